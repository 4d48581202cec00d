import type { Timeline, TimelineEntry } from '@tracekernel/projector';
import { shortEventId } from '@tracekernel/schema';
import { escapeControl } from './control-chars.js';
import { formatZonedTime } from './format-time.js';
import type { Palette } from './palette.js';

/** The width of the primitive column; `knowledge` is the longest built-in primitive. */
const PRIMITIVE_WIDTH = 9;

/** `2025-10-22 14:00:00Z | 1d7050d7 | ops       | task-sub1 claimed by haiku-1`, under the timeline's heading. */
export function timelineText(timeline: Timeline, colours: Palette, options: TimeOptions = {}): string[] {
  const lines = [colours.bold(escapeControl(timeline.heading))];
  if (timeline.entries.length === 0) lines.push('No events.');
  for (const entry of timeline.entries) lines.push(timelineLine(entry, colours, options));
  return lines;
}

export interface TimeOptions {
  /** Print times in the machine's zone with its offset (`--local`), instead of UTC marked Z. */
  local?: boolean;
}

/** One timeline line, as `trace --follow` prints each event when it lands. */
export function timelineLine({ event, description }: TimelineEntry, colours: Palette, options: TimeOptions = {}): string {
  const primitive = colours.primitive(event.primitive, escapeControl(event.primitive).padEnd(PRIMITIVE_WIDTH));
  const mark = event.private === true ? colours.dim(' (private)') : '';
  return `${colours.dim(formatZonedTime(event.ts, options.local))} | ${colours.dim(shortEventId(event.id))} | ${primitive} | ${escapeControl(description)}${mark}`;
}
