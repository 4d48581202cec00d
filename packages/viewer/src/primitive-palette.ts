/** Event marks are coloured by primitive; an unregistered primitive gets a stable hashed hue. */
const BUILTIN: Record<string, string> = {
  ops: '#3b82f6',
  bridge: '#10b981',
  spawn: '#a855f7',
  memory: '#f59e0b',
  knowledge: '#ec4899',
  run: '#ef4444',
  otel: '#64748b',
};

export function primitiveColor(primitive: string): string {
  const known = BUILTIN[primitive];
  if (known) return known;
  let hash = 0;
  for (let i = 0; i < primitive.length; i++) hash = (hash * 31 + primitive.charCodeAt(i)) | 0;
  return `hsl(${Math.abs(hash) % 360} 60% 50%)`;
}
