import { primitiveColor } from './primitive-palette.js';

/** Canvas colours, read from the page's CSS variables so that light and dark follow the user's preference. */
export interface Theme {
  background: string;
  stripe: string;
  grid: string;
  text: string;
  muted: string;
  accent: string;
  selection: string;
  labelBackground: string;
  bars: Record<'open' | 'claimed' | 'blocked' | 'complete' | 'run', string>;
  node: string;
  edge: string;
  cause: string;
  absent: string;
  primitive(name: string): string;
}

export function readTheme(): Theme {
  const style = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
  return {
    background: v('--canvas-bg', '#ffffff'),
    stripe: v('--canvas-stripe', '#f6f7f9'),
    grid: v('--canvas-grid', '#e2e5ea'),
    text: v('--fg', '#1f2328'),
    muted: v('--muted', '#6b7280'),
    accent: v('--accent', '#2563eb'),
    selection: v('--selection', 'rgba(37, 99, 235, 0.15)'),
    labelBackground: v('--panel-bg', '#fafbfc'),
    bars: {
      open: v('--bar-open', '#9ca3af'),
      claimed: v('--bar-claimed', '#60a5fa'),
      blocked: v('--bar-blocked', '#f87171'),
      complete: v('--bar-complete', '#86efac'),
      run: v('--bar-run', '#fbbf24'),
    },
    node: v('--node-bg', '#ffffff'),
    edge: v('--edge', '#9ca3af'),
    cause: v('--edge-cause', '#d946ef'),
    absent: v('--edge-absent', '#ef4444'),
    primitive: primitiveColor,
  };
}

/** Calls `onChange` when the user's colour scheme flips. */
export function watchColorScheme(onChange: () => void): void {
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', onChange);
}
