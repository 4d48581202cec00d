import type { SourceRow } from './space-source.js';

/**
 * One name per agent. space-os names an agent by its uuid (`agents.id`) in most columns and by its
 * name in bookmarks written by `bridge recv`, event data and task rows (where the name is the bare
 * role). A value with no agents row (the bridge's literal `system`, a role that never registered)
 * is kept as a named agent and remembered as unresolved.
 */
export class AgentDirectory {
  readonly #byId = new Map<string, string>();
  readonly #names = new Set<string>();
  readonly #unresolved = new Set<string>();

  constructor(agents: readonly SourceRow[]) {
    for (const row of agents) {
      const id = typeof row.id === 'string' ? row.id : null;
      const name = typeof row.name === 'string' && row.name !== '' ? row.name : id;
      if (name === null) continue;
      if (id !== null) this.#byId.set(id.toLowerCase(), name);
      this.#names.add(name);
    }
  }

  /** The agent name for a uuid or a name; null for no agent. */
  resolve(value: unknown): string | null {
    if (value === null || value === undefined || value === '') return null;
    const text = String(value);
    const byId = this.#byId.get(text.toLowerCase());
    if (byId !== undefined) return byId;
    if (this.#names.has(text)) return text;
    this.#unresolved.add(text);
    return text;
  }

  has(name: string): boolean {
    return this.#names.has(name);
  }

  /** Agents named by the data that have no agents row, sorted. */
  unresolved(): string[] {
    return [...this.#unresolved].sort();
  }
}
