import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTracer } from '@tracekernel/sdk';
import { EventCatalog } from '@tracekernel/schema';
import { readAll, tempStorePath } from './helpers.js';

describe('spool replay', () => {
  it('skips a torn or altered record and replays the intact ones', async () => {
    const db = tempStorePath();
    const spoolDir = join(dirname(db), 'spool');
    const catalog = new EventCatalog();
    const events = [0, 1, 2].map((i) => catalog.prepare({ primitive: 'spawn', type: 'wake', agent_id: `agent-${i}` }).event);
    const lines = events.map((event) => {
      const json = JSON.stringify(event);
      return `${crc(json)} ${json}\n`;
    });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(spoolDir, { recursive: true });
    // record 1 altered after writing; a torn half-line at the end, as a crash mid-write leaves it
    appendFileSync(join(spoolDir, 'crashed.spool'), lines[0] + lines[1]!.replace('agent-1', 'agent-X') + lines[2] + lines[0]!.slice(0, 30));
    const tracer = createTracer({ agentId: 'a', db });
    const errors: string[] = [];
    tracer.on('error', (error) => errors.push(error.message));
    await tracer.close();
    expect(tracer.stats().replayed).toBe(2);
    expect((await readAll(db)).map((event) => event.agent_id)).toEqual(['agent-0', 'agent-2']);
    expect(readdirSync(spoolDir)).toEqual([]);
    expect(errors.join()).toMatch(/skipped 2 torn or altered spool records/);
    expect(readFileSync.name).toBe('readFileSync');
  });
});

function crc(text: string): string {
  // same checksum as the spool writer: crc32, 8 hex digits
  return (require('node:zlib') as typeof import('node:zlib')).crc32(text).toString(16).padStart(8, '0');
}
