import { toKindRegistrations, type KindRegistration, type PrimitiveDefinition } from '@tracekernel/schema';
import { openStore } from '@tracekernel/store';
import type { SinkError } from './event-sink.js';

/**
 * Writes a tracer's registrations (tracer.register) to its store, so that `trace emit`, `trace
 * catalog` and timelines know the registered primitives. It runs beside the event writer and never
 * blocks the agent: register() starts a write at once; a store that cannot be reached is reported
 * on 'error' and the write is retried at the next register(), flush() and close(). Registrations
 * are not spooled to disk: they are code, and the agent registers them again on its next start.
 */
export class KindRegistrar {
  readonly #location: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #report: (error: SinkError) => void;
  #pending: KindRegistration[] = [];
  #writing: Promise<void> = Promise.resolve();
  #refused: Error | null = null;

  constructor(location: string, env: NodeJS.ProcessEnv, report: (error: SinkError) => void) {
    this.#location = location;
    this.#env = env;
    this.#report = report;
  }

  /** Serialises the definition (throwing a TraceError now, in the caller, if it cannot be stored) and starts writing it. */
  register(name: string, definition: PrimitiveDefinition): void {
    this.#pending.push(...toKindRegistrations(name, definition));
    void this.#write();
  }

  /** Waits for the registrations written so far; rejects when the store refused one (a changed definition). */
  async flush(): Promise<void> {
    await this.#write();
    if (this.#refused) throw this.#refused;
  }

  #write(): Promise<void> {
    this.#writing = this.#writing.then(async () => {
      if (this.#pending.length === 0) return;
      const batch = this.#pending;
      this.#pending = [];
      try {
        const store = await openStore({ db: this.#location, mode: 'write', env: this.#env });
        try {
          await store.registerKinds(batch);
        } finally {
          await store.close();
        }
      } catch (error) {
        const failure = error as SinkError;
        // A changed definition is refused for good; anything else (the store is down) is retried.
        if (failure.code === 'E_SCHEMA') this.#refused = failure;
        else this.#pending.unshift(...batch);
        this.#report(failure);
      }
    });
    return this.#writing;
  }
}
