import { startLayoutWorker } from './layout-worker.js';
import { LayoutClient } from './layout-client.js';
import { ViewerApp, parseRoute, renderKeys, subjectEventsUrl } from './viewer-app.js';
import { exposeViewerState } from './viewer-state.js';

// One script is both the page and its layout worker (see scripts/build.js).
if (typeof document === 'undefined') {
  const early = new URLSearchParams(self.location.hash.slice(1)).get('events');
  startLayoutWorker(self as unknown as Parameters<typeof startLayoutWorker>[0], early);
} else {
  const scriptUrl = (document.currentScript as HTMLScriptElement | null)?.src ?? new URL('viewer.js', window.location.href).toString();
  // The worker starts now, before the body is parsed, and a subject page's events are on their way
  // while the rest of the page is built.
  const route = parseRoute(window.location.hash);
  const layoutClient = new LayoutClient(scriptUrl, route.page === 'subject' ? subjectEventsUrl(route.kind, route.id) : null);
  const start = (): void => {
    document.getElementById('help-keys')?.replaceWith(renderKeys());
    const app = new ViewerApp(layoutClient);
    exposeViewerState(app);
    void app.start();
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
}
