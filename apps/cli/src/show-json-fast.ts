import { escapeJsonControl } from './render/control-chars.js';
import { resolveShowSubject } from './show-subject.js';

/**
 * `trace <name> --json [--db D]`, the call scripts and agents make most, answered without oclif:
 * loading oclif and its configuration was a third of the command's start-up. This takes only that
 * exact form; bin/run.js sends anything else through oclif, and so does this whenever it cannot
 * print the answer (no store, nothing so named, an ambiguous name, any failure): the command then
 * runs again through oclif, which reports it in the usual words. Nothing is printed before the
 * whole answer is ready, so a fallback never follows half an answer.
 */
export async function showJsonFast(argv: readonly string[]): Promise<boolean> {
  const args = fastShowArgs(argv);
  if (args === null) return false;
  let text: string;
  try {
    const { openStore } = await import('@tracekernel/store');
    const store = await openStore({ db: args.db, mode: 'read', cwd: process.cwd(), env: process.env });
    try {
      const { EventCatalog, loadRegistrations } = await import('@tracekernel/schema');
      const projector = await import('@tracekernel/projector');
      const catalog = loadRegistrations(new EventCatalog(), await store.registrations());
      const subject = await resolveShowSubject(store, args.id, false);
      if (subject === null) return false;
      const json = subject.kind === 'event'
        ? projector.causalityJson(await projector.causality(store, subject.id, catalog, { includePrivate: false, inferred: true }))
        : projector.timelineJson(await projector.timeline(store, { [subject.kind]: subject.id }, catalog));
      text = `${escapeJsonControl(projector.jsonText(json, 2))}\n`;
    } finally {
      await store.close().catch(() => {});
    }
  } catch {
    return false;
  }
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    // A reader that stopped early (`trace t --json | head`) ends the command quietly, as under oclif.
    if (error.code === 'EPIPE') process.exit(0);
    process.stderr.write(`trace: cannot write the answer: ${error.message}\n`);
    process.exit(1);
  });
  process.stdout.write(text);
  return true;
}

/** The name and store of `<name> --json [--db D]` in any order, or null for any other arguments. */
export function fastShowArgs(argv: readonly string[]): { id: string; db?: string } | null {
  let id: string | undefined;
  let db: string | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json' && !json) json = true;
    else if (arg === '--db' && db === undefined && i + 1 < argv.length && !argv[i + 1]!.startsWith('-')) db = argv[++i]!;
    else if (arg.startsWith('--db=') && db === undefined) db = arg.slice('--db='.length);
    else if (!arg.startsWith('-') && id === undefined) id = arg;
    else return null;
  }
  if (!json || id === undefined || db === '') return null;
  return db === undefined ? { id } : { id, db };
}
