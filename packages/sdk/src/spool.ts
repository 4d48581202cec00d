import {
  closeSync, fdatasyncSync, ftruncateSync, lstatSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { TraceError, eventSchema, isEventId, type PreparedEvent, type TraceEvent } from '@tracekernel/schema';
import { redactLocation } from '@tracekernel/store';
import { ensureSpoolDirectory, spoolDirectories, unsafeEntry } from './spool-directories.js';

export const SPOOL_FORMAT = 'tracekernel-spool';
export const SPOOL_VERSION = 2;

/** What a replay did; `refused` counts files and directories left alone because they were unsafe or foreign. */
export interface ReplayOutcome {
  replayed: number;
  duplicates: number;
  corrupt: number;
  refused: number;
  /** False when the store failed during the replay; what was left is kept for the next one. */
  complete: boolean;
}

interface OpenFile {
  path: string;
  directory: string;
  fd: number;
  /** Bytes known to be durable: a failed write is truncated back to here. */
  durable: number;
}

/** `w<writer pid>-<id>.spool` while a writer appends to it, `<id>.spool` once closed, `….replaying-<pid>` while replayed. */
const SPOOL_NAME = /^(?:w(\d+)-)?([0-9a-z]+-[0-9a-z]+\.spool)(?:\.replaying-(\d+))?$/;
const REPLAY_CHUNK = 4096;

/**
 * Where events go when the store cannot take them. A spool file is a header record naming its
 * store, then one record per event, each line `<crc32 hex> <json>`, so that a line torn by a crash
 * is detected and skipped. Each write is fdatasync'ed before the events count as kept, and a write
 * that fails is truncated away, so the file never holds half a record of an acknowledged batch.
 *
 * Replay is resumable and exactly once: a replayer claims a file by renaming it to
 * `*.replaying-<pid>`, appends its events (the store skips ids it already has) and deletes it only
 * after they are committed. A claim whose process is gone is taken over by the next replayer, and
 * a replay that fails gives its claim back.
 */
export class Spool {
  /** The store these spools belong to, without credentials. */
  readonly store: string;
  readonly directories: readonly string[];
  readonly #env: NodeJS.ProcessEnv;
  #file: OpenFile | undefined;

  constructor(location: string, env: NodeJS.ProcessEnv = process.env) {
    this.store = redactLocation(location);
    this.directories = spoolDirectories(location, env);
    this.#env = env;
  }

  /**
   * Appends events durably (written and synced). Falls back to the next directory when one fails;
   * throws a TraceError when none could take them, having kept none of them.
   */
  write(events: readonly TraceEvent[]): string {
    const body = Buffer.from(events.map(encodeRecord).join(''));
    const failures: string[] = [];
    const current = this.#file?.directory;
    const order = current ? [current, ...this.directories.filter((d) => d !== current)] : this.directories;
    for (const directory of order) {
      try {
        const file = this.#file?.directory === directory ? this.#file : this.#create(directory);
        try {
          writeAll(file.fd, body);
          fdatasyncSync(file.fd);
          file.durable += body.length;
          return file.path;
        } catch (error) {
          this.#rollBack(file);
          throw error;
        }
      } catch (error) {
        failures.push(`${directory}: ${(error as Error).message}`);
      }
    }
    throw new TraceError('E_STORE', `no spool directory could keep ${events.length} events (${failures.join('; ')})`);
  }

  #create(directory: string): OpenFile {
    this.closeFile();
    ensureSpoolDirectory(directory, this.#env);
    const name = `w${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}.spool`;
    const path = join(directory, name);
    const fd = openSync(path, 'ax', 0o600);
    const file: OpenFile = { path, directory, fd, durable: 0 };
    try {
      const header = Buffer.from(encodeLine(JSON.stringify({ format: SPOOL_FORMAT, version: SPOOL_VERSION, store: this.store, pid: process.pid })));
      writeAll(fd, header);
      file.durable = header.length;
    } catch (error) {
      this.#discard(file);
      throw error;
    }
    this.#file = file;
    return file;
  }

  /** Cuts a failed write back to the last durable byte; a file that cannot be cut is closed for good. */
  #rollBack(file: OpenFile): void {
    try {
      ftruncateSync(file.fd, file.durable);
    } catch {
      this.closeFile();
    }
  }

  #discard(file: OpenFile): void {
    try {
      closeSync(file.fd);
    } catch {
      // nothing to keep
    }
    try {
      unlinkSync(file.path);
    } catch {
      // nothing to keep
    }
  }

  /** Stops appending to the current file, so that a replay by this process may take it. */
  closeFile(): void {
    const file = this.#file;
    if (!file) return;
    this.#file = undefined;
    try {
      closeSync(file.fd);
    } catch {
      // already closed
    }
    try {
      // A file that holds only its header keeps nothing; any other is handed to the replayers.
      if (file.durable <= firstLineLength(file.path)) unlinkSync(file.path);
      else renameSync(file.path, join(file.directory, SPOOL_NAME.exec(basename(file.path))![2]!));
    } catch {
      // gone already, or left under the writer's name: replayable once this process ends
    }
  }

  /**
   * Replays every spool file of this store that no live process is writing or replaying.
   * `append` returns how many of the events it stored; `report` hears about files it refused.
   */
  async replay(
    append: (events: PreparedEvent[]) => Promise<number>,
    report: (error: TraceError) => void,
  ): Promise<ReplayOutcome> {
    const outcome: ReplayOutcome = { replayed: 0, duplicates: 0, corrupt: 0, refused: 0, complete: true };
    for (const directory of this.directories) {
      let stats;
      try {
        stats = lstatSync(directory);
      } catch {
        continue;
      }
      const problem = unsafeEntry(stats, 'directory');
      if (problem) {
        outcome.refused++;
        report(new TraceError('E_STORE', `refusing to replay spool directory ${directory}: it ${problem}`));
        continue;
      }
      for (const name of readdirSync(directory).sort()) {
        const path = join(directory, name);
        if (path === this.#file?.path) continue;
        const match = SPOOL_NAME.exec(name);
        if (!match) continue;
        const holder = Number(match[3] ?? match[1] ?? 0);
        if (holder !== 0 && holder !== process.pid && isAlive(holder)) continue; // being written or replayed
        if (!(await this.#replayFile(path, match[2]!, outcome, append, report))) {
          outcome.complete = false;
          return outcome;
        }
      }
    }
    return outcome;
  }

  /** Returns false when the store failed, after giving the file back under its own name. */
  async #replayFile(
    path: string,
    baseName: string,
    outcome: ReplayOutcome,
    append: (events: PreparedEvent[]) => Promise<number>,
    report: (error: TraceError) => void,
  ): Promise<boolean> {
    let stats;
    try {
      stats = lstatSync(path);
    } catch {
      return true; // taken by another replayer
    }
    const problem = unsafeEntry(stats, 'file');
    if (problem) {
      outcome.refused++;
      report(new TraceError('E_STORE', `refusing to replay spool file ${path}: it ${problem}`));
      return true;
    }
    const directory = dirname(path);
    const claimed = join(directory, `${baseName}.replaying-${process.pid}`);
    try {
      if (path !== claimed) renameSync(path, claimed);
    } catch {
      return true; // another replayer claimed it first
    }
    const decoded = decodeSpool(readFileSync(claimed, 'utf8'));
    if (decoded.header === 'torn') {
      unlinkSync(claimed); // a crash while creating it: it never held an event
      return true;
    }
    if (decoded.header === 'missing' || decoded.header.store !== this.store) {
      renameSync(claimed, join(directory, baseName));
      outcome.refused++;
      const owner = decoded.header === 'missing' ? 'no store (it has no spool header)' : `the store ${decoded.header.store}`;
      report(new TraceError('E_STORE', `refusing to replay spool file ${join(directory, baseName)} into ${this.store}: it belongs to ${owner}`));
      return true;
    }
    try {
      for (let i = 0; i < decoded.events.length; i += REPLAY_CHUNK) {
        const chunk = decoded.events.slice(i, i + REPLAY_CHUNK);
        const stored = await append(chunk.map((event) => ({ event, metadataJson: JSON.stringify(event.metadata) })));
        outcome.replayed += stored;
        outcome.duplicates += chunk.length - stored;
      }
    } catch (error) {
      renameSync(claimed, join(directory, baseName));
      report(error instanceof TraceError ? error : new TraceError('E_STORE', `spool replay failed: ${(error as Error).message}`));
      return false;
    }
    if (decoded.corrupt > 0) {
      outcome.corrupt += decoded.corrupt;
      report(new TraceError('E_STORE', `skipped ${decoded.corrupt} torn or altered spool records in ${join(directory, baseName)}`));
    }
    unlinkSync(claimed);
    return true;
  }
}

/** A spool file still waiting for its store, as `trace stats` lists it. */
export interface PendingSpool {
  path: string;
  /** Records in the file (its events, and any torn ones). */
  events: number;
  bytes: number;
  /** Why a replay will refuse the file, or null. */
  refused: string | null;
}

/** The spool files of a store that the next tracer to reach it will replay (or refuse, saying why). */
export function pendingSpools(location: string, env: NodeJS.ProcessEnv = process.env): PendingSpool[] {
  const store = redactLocation(location);
  const pending: PendingSpool[] = [];
  for (const directory of spoolDirectories(location, env)) {
    let names: string[];
    try {
      names = readdirSync(directory).sort();
    } catch {
      continue;
    }
    const directoryProblem = unsafeEntry(lstatSync(directory), 'directory');
    for (const name of names) {
      if (!SPOOL_NAME.test(name)) continue;
      const path = join(directory, name);
      try {
        const stats = lstatSync(path);
        const text = stats.isFile() ? readFileSync(path, 'utf8') : '';
        const lines = text.split('\n').filter((line) => line !== '').length;
        const { header } = decodeSpool(text.slice(0, text.indexOf('\n') + 1));
        const problem = directoryProblem ? `its directory ${directoryProblem}` : unsafeEntry(stats, 'file');
        const foreign = typeof header === 'object' && header.store !== store ? `it belongs to ${header.store}` : null;
        if (header === 'torn' && lines <= 1) continue;
        pending.push({
          path,
          events: Math.max(0, lines - (typeof header === 'object' ? 1 : 0)),
          bytes: stats.size,
          refused: problem ? `it ${problem}` : (foreign ?? (header === 'missing' ? 'it has no spool header' : null)),
        });
      } catch {
        // gone while we looked
      }
    }
  }
  return pending;
}

function writeAll(fd: number, buffer: Buffer): void {
  for (let offset = 0; offset < buffer.length; ) offset += writeSync(fd, buffer, offset);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function firstLineLength(path: string): number {
  try {
    const text = readFileSync(path, 'utf8');
    const end = text.indexOf('\n');
    return end < 0 ? text.length : end + 1;
  } catch {
    return Infinity;
  }
}

function checksum(text: string): string {
  return crc32(text).toString(16).padStart(8, '0');
}

function encodeLine(json: string): string {
  return `${checksum(json)} ${json}\n`;
}

export function encodeRecord(event: TraceEvent): string {
  return encodeLine(JSON.stringify(event));
}

function checkedJson(line: string): unknown {
  const json = line.slice(9);
  if (line[8] !== ' ' || checksum(json) !== line.slice(0, 8)) return undefined;
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

/**
 * A spooled event, checked as the store will need it. The spool carries whatever emit accepted:
 * an event with more causes than the envelope's limit (which older emits let through) is kept
 * whole rather than dropped at replay.
 */
function parseEvent(value: unknown): TraceEvent | undefined {
  const parsed = eventSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const causes = (value as { causes?: unknown } | undefined)?.causes;
  if (!Array.isArray(causes) || causes.length < 2 || !causes.every((cause) => typeof cause === 'string' && isEventId(cause))) return undefined;
  const rest = eventSchema.safeParse({ ...(value as object), causes: causes.slice(0, 1) });
  return rest.success ? { ...rest.data, causes } : undefined;
}

interface SpoolHeader {
  format: string;
  version: number;
  store: string;
}

/** Splits a spool file into its header (`torn` when even that is incomplete) and its intact events. */
export function decodeSpool(text: string): { header: SpoolHeader | 'missing' | 'torn'; events: TraceEvent[]; corrupt: number } {
  const lines = text.split('\n');
  const complete = lines.slice(0, -1); // the text after the last newline is torn or empty
  const first = complete[0];
  if (first === undefined) return { header: 'torn', events: [], corrupt: 0 };
  const header = checkedJson(first) as Partial<SpoolHeader> | undefined;
  if (!header || header.format !== SPOOL_FORMAT || typeof header.store !== 'string') return { header: 'missing', events: [], corrupt: 0 };
  const events: TraceEvent[] = [];
  let corrupt = lines[lines.length - 1] === '' ? 0 : 1;
  for (const line of complete.slice(1)) {
    const event = parseEvent(checkedJson(line));
    if (event) events.push(event);
    else corrupt++;
  }
  return { header: header as SpoolHeader, events, corrupt };
}
