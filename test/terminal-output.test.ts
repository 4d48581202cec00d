import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { displayWidth } from '../apps/cli/src/render/fit-width.js';
import { traceOnTty } from './helpers/pty.js';
import { errorLine, tempDirs, trace } from './helpers/trace-cli.js';

// Issue 15, section 3: what reaches a terminal is escaped, fits its width, is paged and coloured
// as git does. Every check runs the built CLI, on a real pseudo-terminal where it must be a TTY.

const ESC = '\u001b';
const SGR = /\u001b\[[0-9;]*m/g;
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const HOSTILE = `red ${ESC}[31mRED${ESC}[0m title ${ESC}]0;pwned\u0007 c1 \u009b2J bidi \u202eevil del \u007f`;
const LONG = `start ${'漢字 👍🏽 é́ 🇫🇷 👩‍👩‍👧‍👦 '.repeat(12)}the end`;

const dirs = tempDirs();
let cwd: string;
let hostileId: string;

beforeAll(async () => {
  cwd = dirs.make();
  const sdk = (await import(pathToFileURL(resolve(import.meta.dirname, '../packages/sdk/dist/index.js')).href)) as typeof import('@tracekernel/sdk');
  const tracer = sdk.createTracer({ agentId: `mallory${ESC}[2J`, db: join(cwd, '.trace', 'trace.db') });
  hostileId = tracer.emit('bridge', 'send', { target: 'room', metadata: { content: HOSTILE } });
  tracer.emit('bridge', 'send', { target: 'wide', metadata: { content: LONG } });
  tracer.ops.createTask({ target: 'evil-task', title: HOSTILE });
  for (let i = 0; i < 40; i++) tracer.emit('bridge', 'send', { target: 'long', metadata: { content: `message ${i}` } });
  await tracer.close();
});
afterAll(() => dirs.cleanup());

/** Drops the colour sequences the palette (and less -R) write, leaving anything else. */
const withoutColour = (text: string) => text.replace(SGR, '');

describe('control characters in stored text', () => {
  it('are escaped in timelines, trees, waits, diffs, errors and JSON, in pipes and on a TTY', async () => {
    const [timeline, tree, onTty, asJson, error, waits, diff] = await Promise.all([
      trace(['--channel', 'room'], { cwd }),
      trace([hostileId], { cwd }),
      traceOnTty(['--channel', 'room', '--no-pager', '--wide'], { cwd }),
      trace(['--channel', 'room', '--json'], { cwd }),
      trace([`nobody${ESC}]0;x\u0007`], { cwd }),
      trace(['waits', 'evil-task'], { cwd }),
      trace(['diff', 'evil-task', 'evil-task'], { cwd }),
    ]);
    for (const result of [waits, diff]) {
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).not.toMatch(RAW_CONTROL);
      expect(result.stdout).toContain('(red \\x1b[31mRED\\x1b[0m title \\x1b]0;pwned\\x07');
    }
    for (const result of [timeline, tree]) {
      expect(result.code).toBe(0);
      expect(result.stdout).not.toMatch(RAW_CONTROL);
      expect(result.stdout).toContain('red \\x1b[31mRED\\x1b[0m title \\x1b]0;pwned\\x07 c1 \\x9b2J bidi \\u202eevil del \\x7f');
      expect(result.stdout).toContain('mallory\\x1b[2J posted');
    }
    // On a TTY the only escape sequences left are the palette's colours.
    expect(onTty.code).toBe(0);
    expect(withoutColour(onTty.stdout)).not.toMatch(RAW_CONTROL);
    expect(onTty.stdout).toContain('\\x1b]0;pwned\\x07');
    expect(onTty.stdout).toMatch(SGR);
    // JSON keeps the exact text, with every control character as a \u escape.
    expect(asJson.stdout).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(asJson.stdout).events[0].metadata.content).toBe(HOSTILE);
    expect(error.code).toBe(1);
    expect(errorLine(error)).toBe('trace: nothing named "nobody\\x1b]0;x\\x07" in ' + join(cwd, '.trace', 'trace.db') + ': no task, agent, channel or event');
  });
});

describe('width', () => {
  it('fits each line to the TTY by display width, cutting whole graphemes; --wide and pipes keep it whole', async () => {
    const [fitted, wide, piped] = await Promise.all([
      traceOnTty(['--channel', 'wide', '--no-pager'], { cwd, columns: 90 }),
      traceOnTty(['--channel', 'wide', '--no-pager', '--wide'], { cwd, columns: 90 }),
      trace(['--channel', 'wide'], { cwd }),
    ]);
    const lines = withoutColour(fitted.stdout).split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(90);
    const cut = lines[1]!;
    expect(cut.endsWith('…')).toBe(true);
    // What is left before the … is a prefix of the text made of whole graphemes.
    const kept = cut.slice(cut.indexOf('"') + 1, -1);
    expect(LONG.startsWith(kept)).toBe(true);
    const graphemes = [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(LONG)].map((part) => part.segment);
    let prefix = '';
    for (const grapheme of graphemes) if (prefix.length < kept.length) prefix += grapheme;
    expect(prefix).toBe(kept);
    expect(wide.stdout).toContain(`${LONG}"`);
    expect(piped.stdout).toContain(`${LONG}"`);
  });
});

describe('paging', () => {
  it('goes through less -FRX on a TTY by default: a long timeline stops at one screen until q', async () => {
    const [paged, unpaged] = await Promise.all([
      traceOnTty(['--channel', 'long'], { cwd, rows: 10, columns: 120, keys: 'q' }),
      traceOnTty(['--channel', 'long', '--no-pager'], { cwd, rows: 10, columns: 120 }),
    ]);
    expect(paged.code).toBe(0);
    const shown = paged.stdout.match(/"message \d+"/g) ?? [];
    expect(shown.length).toBeGreaterThan(3);
    expect(shown.length).toBeLessThan(10);
    expect(paged.stdout).toContain('"message 0"');
    expect(paged.stdout).not.toContain('"message 39"');
    // -R: the colours reach the terminal through less.
    expect(paged.stdout).toContain(`${ESC}[36mbridge`);
    expect(unpaged.stdout.match(/"message \d+"/g)).toHaveLength(40);
  });

  it('uses TRACE_PAGER over PAGER, never pages a pipe, and survives a pager that quits early', async () => {
    const prefix = (tag: string) => `sed -e 's/^/${tag}: /'`;
    const [tracePager, pager, piped, quitting] = await Promise.all([
      traceOnTty(['--channel', 'long'], { cwd, columns: 120, env: { TRACE_PAGER: prefix('trace-pager'), PAGER: prefix('pager') } }),
      traceOnTty(['--channel', 'long'], { cwd, columns: 120, env: { PAGER: prefix('pager') } }),
      trace(['--channel', 'long'], { cwd, env: { TRACE_PAGER: prefix('trace-pager') } }),
      traceOnTty(['--channel', 'long'], { cwd, columns: 120, env: { TRACE_PAGER: 'head -n 2' } }),
    ]);
    expect(withoutColour(tracePager.stdout).split('\n').filter((line) => line.startsWith('trace-pager: '))).toHaveLength(41);
    expect(pager.stdout).toContain('pager: ');
    expect(pager.stdout).not.toContain('trace-pager: ');
    expect(piped.stdout).not.toContain('pager: ');
    expect(piped.stdout.split('\n')).toHaveLength(42);
    expect(quitting.code).toBe(0);
    expect(quitting.stdout.match(/"message \d+"/g)).toHaveLength(1);
  });
});

describe('--color and FORCE_COLOR', () => {
  it('--color=always colours a pipe (for less -R), never turns a TTY plain, FORCE_COLOR forces it', async () => {
    const [always, forced, never, forcedOff, bad] = await Promise.all([
      trace(['--channel', 'long', '--color=always'], { cwd }),
      trace(['--channel', 'long'], { cwd, env: { FORCE_COLOR: '1' } }),
      traceOnTty(['--channel', 'long', '--color', 'never', '--no-pager'], { cwd }),
      traceOnTty(['--channel', 'long', '--no-pager'], { cwd, env: { FORCE_COLOR: '0' } }),
      trace(['--channel', 'long', '--color=sometimes'], { cwd }),
    ]);
    expect(always.stdout).toContain(`${ESC}[36mbridge   ${ESC}[39m`);
    expect(forced.stdout).toContain(`${ESC}[36mbridge   ${ESC}[39m`);
    expect(never.stdout).toContain('| bridge    | mallory');
    expect(never.stdout).not.toContain(ESC);
    expect(forcedOff.stdout).not.toContain(ESC);
    expect(bad.code).toBe(2);
    expect(errorLine(bad)).toContain('--color');
  });
});
