/**
 * Terminal colours. `--color=always|never` decides; under `auto` (the default) FORCE_COLOR turns
 * colour on (off for `0` or `false`), then NO_COLOR (https://no-color.org) turns it off, and
 * otherwise colour is on only when stdout is a TTY, so pipes, files and scripts get plain text.
 */
export interface Palette {
  dim(text: string): string;
  bold(text: string): string;
  primitive(name: string, text?: string): string;
}

const PRIMITIVE_COLOURS: Record<string, number> = { spawn: 35, bridge: 36, ops: 33, memory: 32, knowledge: 34 };

const plain: Palette = {
  dim: (text) => text,
  bold: (text) => text,
  primitive: (_name, text = _name) => text,
};

const ansi: Palette = {
  dim: (text) => `\u001B[2m${text}\u001B[22m`,
  bold: (text) => `\u001B[1m${text}\u001B[22m`,
  primitive: (name, text = name) => `\u001B[${PRIMITIVE_COLOURS[name] ?? 37}m${text}\u001B[39m`,
};

export type ColourMode = 'auto' | 'always' | 'never';

export function useColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, mode: ColourMode = 'auto'): boolean {
  if (mode !== 'auto') return mode === 'always';
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR) return false;
  return stream.isTTY === true;
}

export function palette(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env, mode: ColourMode = 'auto'): Palette {
  return useColour(stream, env, mode) ? ansi : plain;
}
