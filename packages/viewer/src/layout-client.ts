import type { WorkerAnswer, WorkerRequest } from './worker-protocol.js';

type Request = WorkerRequest extends infer R ? (R extends { seq: number } ? Omit<R, 'seq'> : never) : never;

/** The page's side of the layout worker: each request gets a promise of its answer. */
export class LayoutClient {
  private readonly worker: Worker;
  private seq = 0;
  private readonly waiting = new Map<number, { resolve(answer: WorkerAnswer): void; reject(error: Error): void }>();

  /**
   * `eventsUrl` is the subject the page opens on: the worker asks for it as soon as it runs (the URL
   * rides in the script's hash, which the server never sees), while the page is still being built.
   */
  constructor(scriptUrl: string, eventsUrl: string | null = null) {
    const url = new URL(scriptUrl);
    if (eventsUrl !== null) url.hash = new URLSearchParams({ events: eventsUrl }).toString();
    this.worker = new Worker(url);
    this.worker.onmessage = (message: MessageEvent<WorkerAnswer>) => {
      const answer = message.data;
      const waiter = this.waiting.get(answer.seq);
      if (!waiter) return;
      this.waiting.delete(answer.seq);
      if (answer.op === 'error') waiter.reject(Object.assign(new Error(answer.message), { code: answer.code }));
      else waiter.resolve(answer);
    };
  }

  ask<A extends WorkerAnswer['op']>(request: Request, _expects: A): Promise<Extract<WorkerAnswer, { op: A }>> {
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.waiting.set(seq, { resolve: resolve as (answer: WorkerAnswer) => void, reject });
      this.worker.postMessage({ ...request, seq } as WorkerRequest);
    });
  }

  /** The sequence number the next request will get: answers to older loads can be told apart. */
  get nextSeq(): number {
    return this.seq + 1;
  }
}
