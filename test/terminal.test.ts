import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSI_ESCAPE, cleanEnv, emit, errorLine, tempDirs, trace, TRACE_BIN, withoutShortIds } from './helpers/trace-cli.js';

const dirs = tempDirs();
let cwd: string;
beforeAll(async () => {
  cwd = dirs.make();
  await emit(['ops', 'create_task', '--agent', 'ghost', '--target', 'ghost', '--meta', '{"title":"Haunt"}', '--ts', '2025-10-22T14:00:00Z'], { cwd });
  await emit(['bridge', 'send', '--agent', 'ghost', '--target', 'ghost', '--meta', '{"content":"boo"}', '--ts', '2025-10-22T14:01:00Z'], { cwd });
});
afterAll(() => dirs.cleanup());

/** Runs `trace` under a pseudo-terminal (util-linux `script`), so stdout is a TTY. */
function traceOnTty(args: string[], env: Record<string, string | undefined> = {}): Promise<string> {
  const command = [process.execPath, TRACE_BIN, ...args].map((part) => `'${part}'`).join(' ');
  return new Promise((done, fail) => {
    execFile('script', ['-qec', command, '/dev/null'], { cwd, env: cleanEnv({ TERM: 'xterm', ...env }) }, (error, stdout, stderr) => {
      if (error) fail(new Error(`${error.message}\nstdout: ${stdout}\nstderr: ${stderr}`));
      else done(stdout);
    });
  });
}

describe('ambiguous names', () => {
  it('lists every candidate with the flag that picks it, exit 1, one line', async () => {
    const [text, asJson] = await Promise.all([trace(['ghost'], { cwd }), trace(['ghost', '--json'], { cwd })]);
    expect(text.code).toBe(1);
    expect(text.stdout).toBe('');
    const line = errorLine(text);
    expect(line).toMatch(/^trace: "ghost" is ambiguous: /);
    expect(line).toContain('a task (trace --task ghost)');
    expect(line).toContain('a channel (trace --channel ghost)');
    expect(line).toContain('an agent (trace --agent ghost)');
    expect(JSON.parse(asJson.stdout)).toEqual({ error: { code: 'E_AMBIGUOUS', message: expect.stringContaining('--agent ghost') } });
  });

  it('each suggested flag then picks one reading', async () => {
    const [task, channel, agent] = await Promise.all([
      trace(['--task', 'ghost'], { cwd }),
      trace(['--channel', 'ghost'], { cwd }),
      trace(['--agent', 'ghost'], { cwd }),
    ]);
    expect(task.stdout.split('\n')[0]).toBe('Timeline for ghost (Haunt):');
    expect(withoutShortIds(channel.stdout).split('\n').slice(0, 2)).toEqual(['Timeline for #ghost:', '2025-10-22 14:01:00 | bridge    | ghost posted to #ghost: "boo"']);
    expect(agent.stdout.split('\n')[0]).toBe('Activity timeline for ghost:');
  });
});

describe('colour', () => {
  it('is off when stdout is not a TTY', async () => {
    const result = await trace(['--agent', 'ghost'], { cwd });
    expect(result.stdout).toContain('| ops       | ghost (Haunt) created by ghost');
    expect(result.stdout).not.toMatch(ANSI_ESCAPE);
  });

  it('is on for a TTY (dim time, coloured primitive) and off there too with NO_COLOR', async () => {
    const [coloured, noColor] = await Promise.all([traceOnTty(['--agent', 'ghost']), traceOnTty(['--agent', 'ghost', '--no-pager'], { NO_COLOR: '1' })]);
    expect(coloured).toMatch(ANSI_ESCAPE);
    expect(coloured).toContain('\u001B[2m2025-10-22 14:00:00Z\u001B[22m');
    expect(coloured).toContain('\u001B[33mops      \u001B[39m');
    expect(withoutShortIds(noColor)).toContain('2025-10-22 14:00:00 | ops       | ghost (Haunt) created by ghost');
    expect(noColor).not.toMatch(ANSI_ESCAPE);
  });
});

describe('routing', () => {
  it('--version and --help are not taken for names', async () => {
    const [version, help, emitHelp] = await Promise.all([
      trace(['--version'], { cwd }),
      trace(['--help'], { cwd }),
      trace(['emit', '--help'], { cwd }),
    ]);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^@tracekernel\/cli\/\d+\.\d+\.\d+ /);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('emit');
    expect(help.stdout).toContain('stats');
    expect(emitHelp.stdout).toContain('--idempotency-key');
  });
});
