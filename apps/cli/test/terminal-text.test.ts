import { describe, expect, it } from 'vitest';
import { escapeControl, escapeControlKeepingColour, escapeJsonControl } from '../src/render/control-chars.js';
import { displayWidth, fitToWidth } from '../src/render/fit-width.js';
import { palette, useColour } from '../src/render/palette.js';
import { pagerCommand } from '../src/terminal-output.js';

const ESC = '\u001b';

describe('escapeControl', () => {
  it('makes CSI, OSC, C0, DEL, C1, line separators and bidi controls visible', () => {
    expect(escapeControl(`${ESC}[31mred${ESC}[0m`)).toBe('\\x1b[31mred\\x1b[0m');
    expect(escapeControl(`${ESC}]0;pwned\u0007`)).toBe('\\x1b]0;pwned\\x07');
    expect(escapeControl('a\nb\tc\rd\u0000')).toBe('a\\nb\\tc\\rd\\x00');
    expect(escapeControl('del\u007f c1\u009b2J nel\u0085')).toBe('del\\x7f c1\\x9b2J nel\\x85');
    expect(escapeControl('ab\u202ecd\u2066\u200f\u061c\u2028')).toBe('ab\\u202ecd\\u2066\\u200f\\u061c\\u2028');
  });

  it('leaves printable text alone, wide and combining characters included', () => {
    const text = 'zealot-1 posted "漢字 👍🏽 é́ 🇫🇷" — ok';
    expect(escapeControl(text)).toBe(text);
  });

  it('as the last guard keeps colour sequences only', () => {
    expect(escapeControlKeepingColour(`${ESC}[2mtime${ESC}[22m ${ESC}]0;t\u0007 ${ESC}[2J`)).toBe(`${ESC}[2mtime${ESC}[22m \\x1b]0;t\\x07 \\x1b[2J`);
  });

  it('in JSON escapes what JSON.stringify leaves raw, and the document still parses to the same value', () => {
    const value = { content: `c1\u009b del\u007f bidi\u202e esc${ESC}` };
    const json = escapeJsonControl(JSON.stringify(value));
    expect(json).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe('fitToWidth', () => {
  it('leaves a line that fits, and cuts a longer one to exactly the width with …', () => {
    expect(fitToWidth('abcdef', 6)).toBe('abcdef');
    expect(fitToWidth('abcdefg', 6)).toBe('abcde…');
    expect(displayWidth(fitToWidth('x'.repeat(300), 80))).toBe(80);
  });

  it('counts wide CJK characters as two columns and never lets one straddle the edge', () => {
    expect(displayWidth('漢字')).toBe(4);
    expect(fitToWidth('ab漢字漢字', 6)).toBe('ab漢…');
    expect(fitToWidth('abcd漢字', 6)).toBe('abcd…');
  });

  it('never cuts inside a grapheme: emoji with modifiers, ZWJ sequences, flags, combining marks', () => {
    for (const unit of ['👍🏽', '👩‍👩‍👧‍👦', '🇫🇷', 'é́', 'ก้']) {
      const line = `> ${unit.repeat(20)}`;
      for (let width = 2; width < 30; width++) {
        const fitted = fitToWidth(line, width);
        expect(displayWidth(fitted)).toBeLessThanOrEqual(width);
        if (fitted === line) continue;
        const body = fitted.slice(2, -1);
        expect(body.length % unit.length, `${unit} at width ${width}`).toBe(0);
        expect(body).toBe(unit.repeat(body.length / unit.length));
      }
    }
  });

  it('gives colour sequences no width, and resets colour after a cut inside a coloured span', () => {
    const line = `${ESC}[2m2025-10-22${ESC}[22m | ${ESC}[33mops${ESC}[39m | a long description`;
    expect(fitToWidth(line, 100)).toBe(line);
    expect(fitToWidth(line, 14)).toBe(`${ESC}[2m2025-10-22${ESC}[22m | ${ESC}[33m…${ESC}[0m`);
    expect(fitToWidth(line, 17)).toBe(`${ESC}[2m2025-10-22${ESC}[22m | ${ESC}[33mops${ESC}[39m…${ESC}[0m`);
  });
});

describe('colour choice', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  it('--color decides; under auto FORCE_COLOR beats NO_COLOR, which beats the TTY', () => {
    expect(useColour(pipe, {}, 'always')).toBe(true);
    expect(useColour(tty, { FORCE_COLOR: '1' }, 'never')).toBe(false);
    expect(useColour(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(useColour(tty, { FORCE_COLOR: '0' })).toBe(false);
    expect(useColour(tty, { FORCE_COLOR: 'false' })).toBe(false);
    expect(useColour(tty, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(true);
    expect(useColour(tty, { NO_COLOR: '1' })).toBe(false);
    expect(useColour(tty, { FORCE_COLOR: '' })).toBe(true);
    expect(useColour(tty, {})).toBe(true);
    expect(useColour(pipe, {})).toBe(false);
    expect(palette(pipe, {}, 'always').bold('x')).toBe(`${ESC}[1mx${ESC}[22m`);
  });
});

describe('pager choice', () => {
  it('TRACE_PAGER, then PAGER, then less; empty or cat means none', () => {
    expect(pagerCommand({ TRACE_PAGER: 'most', PAGER: 'more' })).toBe('most');
    expect(pagerCommand({ PAGER: 'more -s' })).toBe('more -s');
    expect(pagerCommand({ TRACE_PAGER: '', PAGER: 'more' })).toBeNull();
    expect(pagerCommand({ PAGER: 'cat' })).toBeNull();
    expect(pagerCommand({ PATH: '/nonexistent' })).toBeNull();
  });
});
