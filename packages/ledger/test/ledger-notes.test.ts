import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addNote, createThread, exportRuns, importRuns, ledgerBus, listNotes, listThreads, pullLedger, pushLedger } from '@tracekernel/ledger';
import { makeRepo, openStore, recordRun, sh, tempDirs } from './git-fixture.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

const KEY = { TRACE_ENC_KEY: 'correct horse battery staple' };
const SECRET = 'the launch code is 4242';

/** Every byte git holds for the repository, as text, to look for a plaintext in. */
function everythingInGit(repo: string): string {
  const objects = sh(repo, 'cat-file', '--batch-all-objects', '--batch-check=%(objectname)').split('\n');
  const contents = execFileSync('git', ['cat-file', '--batch'], { cwd: repo, input: objects.join('\n') + '\n', maxBuffer: 64 * 1024 * 1024 }).toString('latin1');
  return contents + sh(repo, 'log', '--all', '--format=%B');
}

describe('notes and threads', () => {
  it('notes a run and an event: a store event caused by it, a JSON line on the run tag, published on the bus', async () => {
    const base = dirs.make();
    const repo = makeRepo(join(base, 'repo'));
    const store = openStore(join(base, 'store'));
    const { span, events } = await recordRun(store, repo);
    const published: string[] = [];
    const listener = (note: { id: string }) => published.push(note.id);
    ledgerBus.on('note', listener);

    const onRun = await addNote({ cwd: repo, store, subject: span, text: 'step 3 failed' });
    const onEvent = await addNote({ cwd: repo, store, subject: events[2]!.id, text: 'this message was late', publish: true });
    ledgerBus.off('note', listener);
    expect(published).toEqual([onRun.note.id, onEvent.note.id]);

    const [runNoteEvent, eventNoteEvent] = await store.get([onRun.event_id, onEvent.event_id]);
    expect(runNoteEvent!.parent_event_id).toBe(span);
    expect(eventNoteEvent!.parent_event_id).toBe(events[2]!.id);
    expect(runNoteEvent!.metadata).toMatchObject({ content: 'step 3 failed', run_id: span, note_id: onRun.note.id });

    // Exported and tagged on the way; the note is one JSON line per note on the tag object.
    const tag = sh(repo, 'rev-parse', `refs/tags/trace/run/${span}`);
    const lines = sh(repo, 'notes', '--ref=refs/notes/trace', 'show', tag).split('\n');
    expect(lines.map((line) => JSON.parse(line).id)).toEqual([onRun.note.id, onEvent.note.id]);

    const forRun = await listNotes({ cwd: repo, subject: span });
    expect(forRun.notes.map((note) => note.text)).toEqual(['step 3 failed', 'this message was late']);
    expect(forRun.notes[1]).toMatchObject({ run_id: span, event_id: events[2]!.id, thread_id: null, flags: { encrypted: false, publish: true } });
    expect((await listNotes({ cwd: repo, subject: events[2]!.id })).notes.map((note) => note.id)).toEqual([onEvent.note.id]);
    await expect(addNote({ cwd: repo, store, subject: '01a23000-0000-7000-8000-000000000000', text: 'x' })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    await store.close();
  });

  it('encrypts with TRACE_ENC_KEY: nothing derived from the plaintext is stored in the clear; no key or a wrong one shows [encrypted]', async () => {
    const base = dirs.make();
    const repo = makeRepo(join(base, 'repo'));
    const store = openStore(join(base, 'store'));
    const { span } = await recordRun(store, repo);
    await exportRuns({ cwd: repo, store });
    const thread = await createThread({ cwd: repo, title: 'incident 7', run: span });

    await expect(addNote({ cwd: repo, store, subject: span, text: SECRET, encrypt: true, env: {} })).rejects.toMatchObject({ code: 'E_KEY' });
    expect(sh(repo, 'for-each-ref', 'refs/notes')).toBe('');
    expect(await store.query({ kinds: ['bridge.note'] })).toEqual([]);

    const written = await addNote({ cwd: repo, store, subject: span, text: SECRET, encrypt: true, thread: thread.thread_id, env: KEY });
    expect(written.note.text).toMatch(/^ENC:v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    for (const env of [KEY]) {
      expect((await listNotes({ cwd: repo, subject: span, env })).notes[0]!.text).toBe(SECRET);
      expect((await listNotes({ cwd: repo, thread: thread.thread_id, env })).notes[0]!.text).toBe(SECRET);
    }
    for (const env of [{}, { TRACE_ENC_KEY: 'wrong' }]) {
      const [note] = (await listNotes({ cwd: repo, subject: span, env })).notes;
      expect(note).toMatchObject({ text: '[encrypted]', flags: { encrypted: true } });
    }

    const [event] = await store.query({ kinds: ['bridge.note'] });
    const stored = JSON.stringify(event);
    expect(stored).not.toContain('launch');
    expect(event!.metadata.content).toBe(written.note.text);
    expect(Object.keys(event!.metadata).sort()).toEqual(['content', 'encrypted', 'event_id', 'note_id', 'publish', 'run_id', 'thread_id']);
    const inGit = everythingInGit(repo);
    expect(inGit).toContain(written.note.text);
    expect(inGit).not.toContain('launch');
    await store.close();
  });

  it('merges notes and thread messages from three divergent clones without losing any, ordered by time and id', async () => {
    const base = dirs.make();
    const a = makeRepo(join(base, 'a'));
    const storeA = openStore(join(base, 'store-a'));
    const { span } = await recordRun(storeA, a);
    await exportRuns({ cwd: a, store: storeA });
    const thread = await createThread({ cwd: a, title: 'shared' });
    sh(base, 'init', '-q', '--bare', '-b', 'main', 'remote.git');
    sh(a, 'remote', 'add', 'origin', join(base, 'remote.git'));
    sh(a, 'push', '-q', 'origin', 'main');
    await pushLedger({ cwd: a });

    const clones = [a];
    const stores = [storeA];
    for (const name of ['b', 'c']) {
      sh(base, 'clone', '-q', join(base, 'remote.git'), name);
      const dir = join(base, name);
      await pullLedger({ cwd: dir });
      const store = openStore(join(base, `store-${name}`));
      await importRuns({ cwd: dir, store });
      clones.push(dir);
      stores.push(store);
    }

    // Each clone writes notes and thread messages on its own, then they exchange through the remote.
    const written: string[] = [];
    for (let i = 0; i < 2; i++) {
      for (const [index, dir] of clones.entries()) {
        written.push((await addNote({ cwd: dir, store: stores[index]!, subject: span, text: `${index}-${i}`, thread: thread.thread_id })).note.id);
      }
    }
    for (const dir of clones) await pushLedger({ cwd: dir });
    for (const dir of clones.slice(0, 2)) await pullLedger({ cwd: dir });
    for (const dir of clones) {
      const byRun = (await listNotes({ cwd: dir, subject: span })).notes;
      const byThread = (await listNotes({ cwd: dir, thread: thread.thread_id })).notes;
      expect(byRun.map((note) => note.id)).toEqual(written);
      expect(byThread.map((note) => note.id)).toEqual(written);
      expect((await listThreads(dir)).threads).toMatchObject([{ thread_id: thread.thread_id, messages: 6 }]);
    }
    for (const store of stores) await store.close();
  }, 120_000);
});
