import stringWidth from 'string-width';

// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[0-9;]*m/y;
const ELLIPSIS = '…';
const RESET = '\u001b[0m';

let graphemes: Intl.Segmenter | undefined;

/** Columns a line takes on a terminal: colour sequences take none, wide (CJK, emoji) characters two. */
export function displayWidth(line: string): number {
  return stringWidth(line);
}

/**
 * Cuts a finished line (colour sequences included) to `width` columns, ending it with `…`.
 * It cuts between grapheme clusters only, so an emoji, a flag or a letter with its combining
 * marks is kept whole or dropped whole, and a wide character that would straddle the edge is
 * dropped. A cut inside a coloured span resets the colour, so it cannot bleed into the next line.
 */
export function fitToWidth(line: string, width: number): string {
  if (displayWidth(line) <= width) return line;
  if (width < 1) return '';
  const room = width - 1;
  graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  let out = '';
  let used = 0;
  let coloured = false;
  let text = 0;
  const takeText = (end: number): boolean => {
    for (const { segment } of graphemes!.segment(line.slice(text, end))) {
      const columns = stringWidth(segment);
      if (used + columns > room) return false;
      out += segment;
      used += columns;
    }
    return true;
  };
  for (let i = line.indexOf('\u001b'); i >= 0; i = line.indexOf('\u001b', i + 1)) {
    SGR.lastIndex = i;
    const sgr = SGR.exec(line);
    if (sgr === null) continue;
    if (!takeText(i)) return finish(out, coloured);
    out += sgr[0];
    coloured = true;
    text = SGR.lastIndex;
  }
  takeText(line.length);
  return finish(out, coloured);
}

function finish(out: string, coloured: boolean): string {
  return `${out}${ELLIPSIS}${coloured ? RESET : ''}`;
}
