import type { Timeline, TimelineEntry } from '@tracekernel/projector';
import { escapeControl } from './control-chars.js';
import { formatTime } from './format-time.js';
import type { Palette } from './palette.js';

/** The width of the primitive column; `knowledge` is the longest built-in primitive. */
const PRIMITIVE_WIDTH = 9;

/** `2025-10-22 14:00:00 | ops       | task-sub1 claimed by haiku-1`, under the timeline's heading. */
export function timelineText(timeline: Timeline, colours: Palette): string[] {
  const lines = [colours.bold(escapeControl(timeline.heading))];
  if (timeline.entries.length === 0) lines.push('No events.');
  for (const entry of timeline.entries) lines.push(timelineLine(entry, colours));
  return lines;
}

/** One timeline line, as `trace --follow` prints each event when it lands. */
export function timelineLine({ event, description }: TimelineEntry, colours: Palette): string {
  const primitive = colours.primitive(event.primitive, escapeControl(event.primitive).padEnd(PRIMITIVE_WIDTH));
  const mark = event.private === true ? colours.dim(' (private)') : '';
  return `${colours.dim(formatTime(event.ts))} | ${primitive} | ${escapeControl(description)}${mark}`;
}
