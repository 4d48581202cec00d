import { chownSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventCatalog } from '@tracekernel/schema';
import { Spool } from '../packages/sdk/src/spool.js';
import { trace } from './helpers/trace-cli.js';

describe('trace stats', () => {
  it('shows the pending spools of the store, and which a replay will refuse', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'tracekernel-e2e-'));
    const state = mkdtempSync(join(tmpdir(), 'tracekernel-state-'));
    const env = { XDG_STATE_HOME: state };
    expect((await trace(['emit', 'spawn', 'wake', '--agent', 'zealot-1'], { cwd, env })).code).toBe(0);
    const db = join(cwd, '.trace', 'trace.db');
    const catalog = new EventCatalog();
    const spool = new Spool(db, { ...process.env, ...env });
    const file = spool.write([1, 2, 3].map((i) => catalog.prepare({ primitive: 'spawn', type: 'wake', agent_id: `a-${i}` }).event));
    spool.closeFile();

    const json = await trace(['stats', '--json'], { cwd, env });
    expect(json.code).toBe(0);
    const stats = JSON.parse(json.stdout);
    expect(stats.events).toBe(1);
    expect(stats.pending_spools).toEqual([
      { path: expect.stringContaining(join(cwd, '.trace', 'spool', 'trace.db')), events: 3, bytes: expect.any(Number), refused: null },
    ]);
    expect(file.startsWith(join(cwd, '.trace', 'spool', 'trace.db'))).toBe(true);

    const text = await trace(['stats'], { cwd, env });
    expect(text.stdout).toMatch(/Pending spools: 1 file, 3 events/);

    const dir = join(cwd, '.trace', 'spool', 'trace.db');
    chownSync(join(dir, readdirSync(dir)[0]!), 65534, 65534);
    const refused = JSON.parse((await trace(['stats', '--json'], { cwd, env })).stdout);
    expect(refused.pending_spools[0].refused).toMatch(/owned by uid 65534/);
    expect((await trace(['stats'], { cwd, env })).stdout).toMatch(/refused: it is owned by uid 65534/);
  });
});
