/** Whether a text mentions `@name` (and not `@name-2` when the name is a bare role). */
export function mentions(content: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w@])@${escaped}(?![\\w-])`).test(content);
}
