import { Flags } from '@oclif/core';
import type { TimelineQuery } from '@tracekernel/projector';
import type { TraceStore } from '@tracekernel/store';

/** The timeline filters every `trace export <format>` takes, named as `trace show` names them. */
export const exportFilterFlags = {
  task: Flags.string({ description: 'Only the events of this task, its subtasks and what they caused' }),
  agent: Flags.string({ description: "Only this agent's events" }),
  channel: Flags.string({ description: 'Only the bridge events of this channel (with or without #)' }),
  primitive: Flags.string({ description: 'Only these primitives (repeatable or comma list)', multiple: true }),
  since: Flags.string({ description: 'From this time: ISO, "2h ago", "30m", "1d", "now" or "last wake" (needs an agent)' }),
  until: Flags.string({ description: 'Before this time (same forms as --since)' }),
  limit: Flags.integer({ description: 'Only the latest N events', min: 1 }),
  'include-private': Flags.boolean({ description: 'Export private events too' }),
  output: Flags.string({ char: 'o', description: 'The file to write ("-" for stdout)', required: true }),
};

export interface ExportFilterValues {
  task?: string | undefined;
  agent?: string | undefined;
  channel?: string | undefined;
  primitive?: string[] | undefined;
  since?: string | undefined;
  until?: string | undefined;
  limit?: number | undefined;
  'include-private'?: boolean | undefined;
}

export async function exportQuery(store: TraceStore, flags: ExportFilterValues): Promise<TimelineQuery> {
  const { resolveTime } = await import('@tracekernel/projector');
  const timeOptions = (flag: string) => ({ flag, ...(flags.agent === undefined ? {} : { agent: flags.agent }) });
  const primitives = flags.primitive?.flatMap((value) => value.split(',')).map((value) => value.trim()).filter(Boolean);
  return {
    ...(flags.task === undefined ? {} : { task: flags.task }),
    ...(flags.agent === undefined ? {} : { agent: flags.agent }),
    ...(flags.channel === undefined ? {} : { channel: flags.channel.replace(/^#/, '') }),
    ...(primitives === undefined ? {} : { primitives }),
    ...(flags.since === undefined ? {} : { since: await resolveTime(store, flags.since, timeOptions('--since')) }),
    ...(flags.until === undefined ? {} : { until: await resolveTime(store, flags.until, timeOptions('--until')) }),
    ...(flags.limit === undefined ? {} : { limit: flags.limit }),
    ...(flags['include-private'] ? { includePrivate: true } : {}),
  };
}

/**
 * Writes the whole file or nothing: into a temporary file beside it, renamed over the target once
 * complete, so that a failure never leaves half an export behind.
 */
export async function writeExport(output: string, text: string): Promise<void> {
  if (output === '-') {
    process.stdout.write(text);
    return;
  }
  const { rename, rm, writeFile } = await import('node:fs/promises');
  const { TraceError } = await import('@tracekernel/schema');
  const temporary = `${output}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, text, { flag: 'wx' });
    await rename(temporary, output);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new TraceError('E_USAGE', `--output ${output}: cannot write (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}
