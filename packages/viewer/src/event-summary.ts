import type { WaterfallEvent } from './contract.js';

/** One line for lists and neighbours: time, kind, who and what (the hint only when the metadata has it). */
export function eventSummary(event: WaterfallEvent): string {
  const time = new Date(event.ms).toISOString().slice(11, 23);
  const who = event.agent_id ?? '—';
  const what = event.target_id ? ` → ${event.target_id}` : '';
  const hint = firstText(event.metadata);
  return `${time}  ${event.primitive}.${event.type}  ${who}${what}${hint ? `  “${hint}”` : ''}`;
}

function firstText(metadata: Record<string, unknown>): string | null {
  for (const key of ['title', 'reason', 'text', 'summary', 'message', 'content', 'result']) {
    const value = metadata[key];
    if (typeof value === 'string' && value !== '') return value.length > 60 ? `${value.slice(0, 59)}…` : value;
  }
  return null;
}
