/**
 * Characters that a terminal acts on instead of printing: C0 controls (ESC starts CSI and OSC
 * sequences, which can recolour, move the cursor, retitle the window or write to the clipboard),
 * DEL, C1 controls (U+009B is an 8-bit CSI), the Unicode line separators, and the bidi controls that
 * make text display in another order than it is stored ("Trojan Source").
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_OR_SGR = /\u001b\[[0-9;]*m|[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function visible(char: string): string {
  const code = char.charCodeAt(0);
  return NAMED[char] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

/**
 * Stored text made safe to print: every control character becomes a visible escape (`\x1b`,
 * `\n`, `\u202e`), so `\u001b[31m` in metadata prints as the six characters `\x1b[31m`.
 * Call it on every stored or user-given value before it is coloured and joined into a line.
 */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, visible);
}

/**
 * The last guard before the terminal: escapes every control character of a finished line except
 * the colour (SGR) sequences the palette put there. Values are escaped by {@link escapeControl}
 * first, so an SGR sequence left in the line is the palette's own; a value a renderer forgot can
 * then at worst change a colour, never move the cursor, retitle the window or reach the clipboard.
 */
export function escapeControlKeepingColour(line: string): string {
  return line.replace(CONTROL_OR_SGR, (match) => (match.length > 1 ? match : visible(match)));
}

// eslint-disable-next-line no-control-regex
const JSON_UNESCAPED_CONTROL = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON.stringify escapes C0 controls but leaves DEL, C1 and the bidi controls raw. They can only
 * occur inside JSON strings, where `\uXXXX` is the same text, so the document means exactly the
 * same and is safe to print to a terminal.
 */
export function escapeJsonControl(json: string): string {
  return json.replace(JSON_UNESCAPED_CONTROL, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
