/** `2025-10-22 14:00:00`: UTC, to the second, as in the design's timelines. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
