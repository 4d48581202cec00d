import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listNotes, listRecordings, sessionSummary, startRecording, stopRecording } from '@tracekernel/ledger';
import { EventCatalog } from '@tracekernel/schema';
import { makeRepo, openStore, sh, tempDirs } from './git-fixture.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());
const catalog = new EventCatalog();

describe('recorded sessions', () => {
  it('holds what landed between start and stop, narrowed by agent; several open at once; saved on the ledger with a template summary', async () => {
    const base = dirs.make();
    const repo = makeRepo(join(base, 'repo'));
    const store = openStore(join(base, 'store'));
    await store.append([catalog.prepare({ primitive: 'ops', type: 'create_task', agent_id: 'early', target_id: 'before', metadata: { title: 'before' } })]);

    const all = await startRecording({ cwd: repo, store, name: 'rotate\u0007 keys', classification: 'deployment' });
    const planner = await startRecording({ cwd: repo, store, agent: 'planner' });
    expect(all.name).toBe('rotate keys');
    expect((await listRecordings(repo)).recordings.map((recording) => recording.id)).toEqual([all.id, planner.id]);
    await expect(startRecording({ cwd: repo, store, classification: 'party' })).rejects.toMatchObject({ code: 'E_USAGE' });

    const events = [
      catalog.prepare({ primitive: 'ops', type: 'create_task', agent_id: 'planner', target_id: 't1', metadata: { title: 'a' } }),
      catalog.prepare({ primitive: 'ops', type: 'create_task', agent_id: 'planner', target_id: 't2', metadata: { title: 'b' } }),
      catalog.prepare({ primitive: 'ops', type: 'complete_task', agent_id: 'worker', target_id: 't1', metadata: {} }),
      catalog.prepare({ primitive: 'ops', type: 'block_task', agent_id: 'worker', target_id: 't2', metadata: { reason: 'waiting' } }),
      catalog.prepare({ primitive: 'bridge', type: 'send', agent_id: 'planner', target_id: 'payments', metadata: { content: 'go' } }),
      catalog.prepare({ primitive: 'bridge', type: 'send', agent_id: 'critic', target_id: 'payments', metadata: { content: 'ok' } }),
    ];
    await store.append(events);

    const stopped = await stopRecording({ cwd: repo, store, id: planner.id });
    expect(stopped.session.summary).toBe('3 events by 1 agent: 2 tasks created; 1 message on #payments');
    const full = await stopRecording({ cwd: repo, store, id: all.id, note: true });
    expect(full.session).toMatchObject({ events: 6, agents: ['critic', 'planner', 'worker'], classification: 'deployment', code_ref: sh(repo, 'rev-parse', 'HEAD') });
    expect(full.session.summary).toBe('6 events by 3 agents: 2 tasks created, 1 completed, 1 blocked; 2 messages on #payments');
    expect(sessionSummary(events.map((p) => p.event).reverse())).toBe(full.session.summary);

    const saved = JSON.parse(sh(repo, 'show', `trace-ledger:sessions/${all.id}/session.json`));
    expect(saved.summary).toBe(full.session.summary);
    expect(sh(repo, 'show', `trace-ledger:sessions/${all.id}/events.jsonl`).split('\n').map((line) => JSON.parse(line).id).sort()).toEqual(events.map((p) => p.event.id).sort());
    expect((await listNotes({ cwd: repo, thread: full.note!.thread_id })).notes.map((note) => note.text)).toEqual([full.session.summary]);
    expect((await listRecordings(repo)).recordings).toEqual([]);
    await expect(stopRecording({ cwd: repo, store, id: all.id })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    await expect(stopRecording({ cwd: repo, store, id: '../../x' })).rejects.toMatchObject({ code: 'E_INVALID_ID' });
    await store.close();
  });
});
