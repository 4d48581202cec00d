import type { EventDraft } from './space-mapping.js';

/**
 * space-os never writes a session (events.session_id is always NULL): a wake opens one, named
 * after the agent and the wake's time, and the agent's events up to its sleep belong to it.
 */
export function assignSessions(drafts: EventDraft[]): void {
  const ordered = [...drafts].sort((a, b) => a.ts - b.ts || a.sequence - b.sequence);
  const open = new Map<string, string>();
  for (const event of ordered) {
    if (event.agent === null) continue;
    if (event.primitive === 'spawn' && event.type === 'wake') {
      open.set(event.agent, `${event.agent}@${new Date(event.ts).toISOString()}`);
    }
    const session = open.get(event.agent);
    if (session !== undefined) event.session = session;
    if (event.primitive === 'spawn' && event.type === 'sleep') open.delete(event.agent);
  }
}
