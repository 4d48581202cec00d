import { startLayoutWorker } from './layout-worker.js';
import { ViewerApp, renderKeys } from './viewer-app.js';
import { exposeViewerState } from './viewer-state.js';

// One script is both the page and its layout worker (see scripts/build.js).
if (typeof document === 'undefined') {
  startLayoutWorker(self as unknown as Parameters<typeof startLayoutWorker>[0]);
} else {
  const scriptUrl = (document.currentScript as HTMLScriptElement | null)?.src ?? new URL('viewer.js', window.location.href).toString();
  const start = (): void => {
    document.getElementById('help-keys')?.replaceWith(renderKeys());
    const app = new ViewerApp(scriptUrl);
    exposeViewerState(app);
    void app.start();
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
}
