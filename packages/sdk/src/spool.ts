import { appendFileSync, mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { eventSchema, type PreparedEvent, type TraceEvent } from '@tracekernel/schema';

/**
 * Where events go when the store cannot take them: an append-only file of one record per line,
 * `<crc32 hex> <event json>`, so that a line torn by a crash is detected and skipped on replay.
 * Spool files live beside the store (`.trace/spool/`), or in the temp directory when that is not
 * writable, and are replayed by the next tracer that opens the store.
 */
export class Spool {
  readonly #directories: string[];
  readonly #fileName: string;
  #directory: string | undefined;

  constructor(storePath: string) {
    const beside = join(dirname(storePath), 'spool');
    const fallback = join(tmpdir(), 'tracekernel-spool', createHash('sha256').update(storePath).digest('hex').slice(0, 16));
    this.#directories = [beside, fallback];
    this.#fileName = `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}.spool`;
  }

  /** Appends events durably enough to survive the process; returns the file written. */
  write(events: readonly TraceEvent[]): string {
    const text = events.map(encodeRecord).join('');
    let lastError: unknown;
    for (const directory of this.#directory ? [this.#directory] : this.#directories) {
      try {
        mkdirSync(directory, { recursive: true });
        const file = join(directory, this.#fileName);
        appendFileSync(file, text);
        this.#directory = directory;
        return file;
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  }

  /**
   * Claims every spool file (renaming it, so two replayers never share one), hands its intact
   * records to `append`, and deletes it once they are stored. Torn or altered lines are counted.
   */
  replay(append: (events: PreparedEvent[]) => void): { replayed: number; corrupt: number } {
    let replayed = 0;
    let corrupt = 0;
    for (const directory of this.#directories) {
      let names: string[];
      try {
        names = readdirSync(directory);
      } catch {
        continue;
      }
      for (const name of names) {
        if (!name.endsWith('.spool') || name === this.#fileName) continue;
        const claimed = join(directory, `${name}.replaying-${process.pid}`);
        try {
          renameSync(join(directory, name), claimed);
        } catch {
          continue; // another process claimed it first
        }
        const { events, corrupt: bad } = decodeRecords(readFileSync(claimed, 'utf8'));
        append(events.map((event) => ({ event, metadataJson: JSON.stringify(event.metadata) })));
        unlinkSync(claimed);
        replayed += events.length;
        corrupt += bad;
      }
    }
    return { replayed, corrupt };
  }
}

function checksum(text: string): string {
  return crc32(text).toString(16).padStart(8, '0');
}

export function encodeRecord(event: TraceEvent): string {
  const json = JSON.stringify(event);
  return `${checksum(json)} ${json}\n`;
}

export function decodeRecords(text: string): { events: TraceEvent[]; corrupt: number } {
  const events: TraceEvent[] = [];
  let corrupt = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const json = line.slice(9);
    if (line[8] !== ' ' || checksum(json) !== line.slice(0, 8)) {
      corrupt++;
      continue;
    }
    const parsed = eventSchema.safeParse(JSON.parse(json));
    if (parsed.success) events.push(parsed.data);
    else corrupt++;
  }
  return { events, corrupt };
}
