/** `2025-10-22 14:00:00`: UTC, to the second, as in the design's timelines. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * A timeline's time, marked with its zone: `2025-10-22 14:00:00Z` in UTC, or with `local` the
 * machine's time zone and its offset, `2025-10-22 16:00:00+02:00`.
 */
export function formatZonedTime(ms: number, local = false): string {
  if (!local) return `${formatTime(ms)}Z`;
  const date = new Date(ms);
  const offset = -date.getTimezoneOffset();
  const two = (n: number) => String(n).padStart(2, '0');
  const zone = `${offset < 0 ? '-' : '+'}${two(Math.floor(Math.abs(offset) / 60))}:${two(Math.abs(offset) % 60)}`;
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}${zone}`;
}
