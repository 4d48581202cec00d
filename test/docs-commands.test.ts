import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanEnv, shell, tempDirs } from './helpers/trace-cli.js';

/**
 * Every command that README.md and docs/cli.md print runs as printed (issue 15), after the demo.
 *
 * THE EXTRACTION RULE (docs/cli.md repeats it for whoever adds commands):
 * - in a fenced block tagged `sh`, each line that starts with `trace `, `npx trace ` or a shell
 *   assignment of one (`id=$(trace ...)`) is a command; the lines of one block run in order as one
 *   bash script, so a block may pass an id from one command to the next. Other lines (`npm ...`)
 *   are setup that the test has already done, and are skipped;
 * - in any fenced block, a line `$ trace ...` or `$ npx trace ...` (a command shown with its output)
 *   is a command;
 * - an inline code span that starts with `npx trace ` is a command.
 * Each command must exit 0 in a temp dir where the demo has recorded the payment story. A synopsis
 * with placeholders (`trace <id>`, `[--since S]`) goes in an untagged block, which is not run.
 */
const ROOT = resolve(import.meta.dirname, '..');
const DOCS = ['README.md', 'docs/cli.md'];
const DEMO = resolve(ROOT, 'apps/cli/dist/demo/run-demo.js');

interface DocCommand {
  file: string;
  line: number;
  /** One or more lines of bash, run as one script. */
  script: string;
}

export function extractCommands(file: string, markdown: string): DocCommand[] {
  const commands: DocCommand[] = [];
  const lines = markdown.split('\n');
  let fence: { tag: string; start: number; body: string[] } | null = null;
  const isCommand = (text: string) => /^(npx )?trace /.test(text) || /^[A-Za-z_]\w*=\$\((npx )?trace /.test(text);
  lines.forEach((text, index) => {
    const opening = /^```(\S*)/.exec(text);
    if (opening && fence === null) {
      fence = { tag: opening[1]!, start: index + 2, body: [] };
      return;
    }
    if (text.startsWith('```') && fence !== null) {
      const current = fence as { tag: string; start: number; body: string[] };
      const script = current.tag === 'sh' ? current.body.filter(isCommand) : [];
      if (script.length > 0) commands.push({ file, line: current.start, script: script.join('\n') });
      fence = null;
      return;
    }
    if (fence !== null) {
      (fence as { body: string[] }).body.push(text.trim());
      const shown = /^\$ ((npx )?trace .*)$/.exec(text.trim());
      if (shown) commands.push({ file, line: index + 1, script: shown[1]! });
      return;
    }
    for (const match of text.matchAll(/`(npx trace [^`]+)`/g)) commands.push({ file, line: index + 1, script: match[1]! });
  });
  return commands;
}

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

describe('the commands in README.md and docs/cli.md', () => {
  it('the extraction finds the commands of each kind of place', () => {
    const found = extractCommands('x.md', [
      'try `npx trace stats` or `trace <id>`', '```sh', 'npm install', 'id=$(trace emit spawn wake)', 'trace "$id"', '```',
      '```', 'trace <id>     a synopsis', '$ trace --causality t', 'output', '```',
    ].join('\n'));
    expect(found).toEqual([
      { file: 'x.md', line: 1, script: 'npx trace stats' },
      { file: 'x.md', line: 3, script: 'id=$(trace emit spawn wake)\ntrace "$id"' },
      { file: 'x.md', line: 9, script: 'trace --causality t' },
    ]);
  });

  it('all run as printed after the demo, each exiting 0', async () => {
    const commands = DOCS.flatMap((file) => extractCommands(file, readFileSync(resolve(ROOT, file), 'utf8')));
    // The README's "try" list, its emit script and its sample output, and the examples of docs/cli.md.
    for (const [file, text] of [['README.md', 'npx trace --agent haiku-1 --since "when task-sub1 created"'], ['README.md', 'id=$(trace emit'],
      ['README.md', 'trace --causality task-abc123'], ['docs/cli.md', 'trace --agent zealot-1 --since "last wake"']]) {
      expect(commands.some((command) => command.file === file && command.script.includes(text!)), `${file}: ${text}`).toBe(true);
    }
    const cwd = dirs.make('tracekernel-docs-');
    await promisify(execFile)(process.execPath, [DEMO], { cwd, env: cleanEnv() });
    // One bash for them all: each command runs in a subshell, and its exit code is reported by its index.
    const script = [
      'npx() { if [ "$1" = trace ]; then shift; trace "$@"; else command npx "$@"; fi; }',
      ...commands.map((command, i) => `( ${command.script}\n) >/dev/null 2>/tmp/docs-cmd-$$-${i}; echo "exit ${i} $?"; sed 's/^/stderr ${i} /' /tmp/docs-cmd-$$-${i}; rm -f /tmp/docs-cmd-$$-${i}`),
    ].join('\n');
    const result = await shell(script, { cwd });
    const failures = commands.flatMap((command, i) => {
      const code = new RegExp(`^exit ${i} (\\d+)$`, 'm').exec(result.stdout)?.[1];
      if (code === '0') return [];
      const stderr = result.stdout.split('\n').filter((line) => line.startsWith(`stderr ${i} `)).map((line) => line.slice(`stderr ${i} `.length));
      return [`${command.file}:${command.line}: ${command.script} exited ${code}: ${stderr.join(' ')}`];
    });
    expect(failures).toEqual([]);
  }, 240_000);
});
