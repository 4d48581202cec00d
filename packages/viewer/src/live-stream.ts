import { apiUrl } from './api-client.js';
import type { TraceEventJson } from './contract.js';

export interface LiveStatus {
  state: 'connecting' | 'live' | 'unavailable';
  received: number;
}

/**
 * New events of the subject over `GET /v1/stream` (Server-Sent Events), delivered in batches at
 * most every 200 ms so that a burst relayouts once. The browser resumes with Last-Event-ID.
 */
export class LiveStream {
  private source: EventSource | null = null;
  private batch: TraceEventJson[] = [];
  private timer: number | null = null;
  readonly status: LiveStatus = { state: 'connecting', received: 0 };

  constructor(private readonly onEvents: (events: TraceEventJson[]) => void, private readonly onStatus: (status: LiveStatus) => void) {}

  open(filters: Record<string, string>): void {
    this.close();
    this.status.state = 'connecting';
    this.status.received = 0;
    this.onStatus(this.status);
    const source = new EventSource(apiUrl('/v1/stream', filters));
    this.source = source;
    source.onopen = () => {
      this.status.state = 'live';
      this.onStatus(this.status);
    };
    source.onerror = () => {
      // CLOSED means the server refused the stream (not a dropped connection, which reconnects).
      if (source.readyState === EventSource.CLOSED) {
        this.status.state = 'unavailable';
        this.onStatus(this.status);
      } else if (this.status.state === 'live') {
        this.status.state = 'connecting';
        this.onStatus(this.status);
      }
    };
    source.addEventListener('event', (message) => {
      try {
        this.batch.push(JSON.parse((message as MessageEvent<string>).data) as TraceEventJson);
      } catch {
        return;
      }
      this.status.received += 1;
      if (this.timer === null) this.timer = window.setTimeout(() => this.flush(), 200);
    });
  }

  close(): void {
    this.source?.close();
    this.source = null;
    if (this.timer !== null) window.clearTimeout(this.timer);
    this.timer = null;
    this.batch = [];
  }

  private flush(): void {
    this.timer = null;
    const events = this.batch;
    this.batch = [];
    if (events.length > 0) {
      this.onEvents(events);
      this.onStatus(this.status);
    }
  }
}
