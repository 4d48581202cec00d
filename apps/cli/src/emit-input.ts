import { readFile } from 'node:fs/promises';
import { TraceError, parseTime } from '@tracekernel/schema';

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
};

function parseMetadataJson(text: string, source: string): Record<string, unknown> {
  // Editors on Windows start UTF-8 files with a byte order mark, which JSON.parse refuses.
  const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (json.trim() === '') throw new TraceError('E_SCHEMA', `${source}: empty; expected a JSON object`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new TraceError('E_SCHEMA', `${source}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TraceError('E_SCHEMA', `${source}: expected a JSON object, e.g. '{"title":"Build payment system"}'`);
  }
  return parsed as Record<string, unknown>;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * `--meta`: a JSON object given inline, as `@path` (a file holding one) or as `-` (read from
 * stdin). The last two are for metadata larger than the argument list allows (about 128 KiB).
 */
export async function readMetadataFlag(value: string | undefined): Promise<Record<string, unknown>> {
  if (value === undefined) return {};
  if (value === '-') return parseMetadataJson(await readStdin(), '--meta - (stdin)');
  if (!value.startsWith('@')) return parseMetadataJson(value, '--meta');
  const path = value.slice(1);
  if (path === '') throw new TraceError('E_USAGE', '--meta @: expected a file path after @, e.g. --meta @metadata.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw new TraceError('E_NOT_FOUND', `--meta ${value}: cannot read ${path} (${READ_ERRORS[code] ?? (error as Error).message})`);
  }
  return parseMetadataJson(text, `--meta ${value}`);
}

/** `--ts`: any form of the one event-time parser (ISO-8601, no offset meaning UTC; epoch milliseconds). */
export function parseEmitTime(value: string): number {
  return parseTime(value, '--ts');
}
