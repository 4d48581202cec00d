/**
 * Terminal colours: only when stdout is a TTY and NO_COLOR is not set (https://no-color.org),
 * so pipes, files and scripts always get plain text.
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

export function palette(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): Palette {
  return stream.isTTY === true && !env.NO_COLOR ? ansi : plain;
}
