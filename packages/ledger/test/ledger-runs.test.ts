import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exportRuns, importRuns, listLedgerRuns, showLedgerRun } from '@tracekernel/ledger';
import { makeRepo, openStore, recordRun, sh, tempDirs, userState } from './git-fixture.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

describe('ledger export, list, show and import', () => {
  it('writes each run to the trace-ledger branch with deterministic bytes, tags it at code_ref, and never touches the user\'s branch', async () => {
    const base = dirs.make();
    const repo = makeRepo(join(base, 'repo'));
    const store = openStore(join(base, 'store'));
    const { span, events } = await recordRun(store, repo);
    const before = userState(repo);

    const first = await exportRuns({ cwd: repo, store });
    expect(first.runs).toEqual([{ span_id: span, change: 'added' }]);
    expect(first.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(first.tags_created).toEqual([span]);
    expect(first.notices.some((line) => line.includes('.gitignore'))).toBe(true);

    const blob = sh(repo, 'rev-parse', `trace-ledger:runs/${span}/run.json`);
    const eventsBlob = sh(repo, 'rev-parse', `trace-ledger:runs/${span}/events.jsonl`);
    const again = await exportRuns({ cwd: repo, store, runs: [span] });
    expect(again.commit).toBeNull();
    expect(again.runs).toEqual([{ span_id: span, change: 'unchanged' }]);
    expect(sh(repo, 'rev-parse', `trace-ledger:runs/${span}/run.json`)).toBe(blob);
    expect(sh(repo, 'rev-parse', `trace-ledger:runs/${span}/events.jsonl`)).toBe(eventsBlob);

    // The run's events, oldest first, with what they caused (the end and both inner events).
    const lines = sh(repo, 'show', `trace-ledger:runs/${span}/events.jsonl`).split('\n').map((line) => JSON.parse(line));
    expect(lines.map((event) => event.id)).toEqual([...events.map((event) => event.id), lines[3].id]);
    expect(lines[3].type).toBe('end');

    // The tag: annotated, on the commit that was HEAD when the run ran, with the one-line summary.
    expect(sh(repo, 'cat-file', '-t', `trace/run/${span}`)).toBe('tag');
    expect(sh(repo, 'rev-parse', `trace/run/${span}^{commit}`)).toBe(before.head);
    const summary = JSON.parse(sh(repo, 'tag', '-l', '--format=%(contents)', `trace/run/${span}`));
    expect(summary).toMatchObject({ span_id: span, status: 'success', code_ref: before.head, task_id: 'nightly' });

    // The user's branch, index and HEAD did not change; only .gitignore (announced) did.
    const after = userState(repo);
    expect(after.branch).toBe(before.branch);
    expect(after.head).toBe(before.head);
    expect(after.index).toBe(before.index);
    expect(after.status).toBe('?? .gitignore');
    expect(readFileSync(join(repo, '.gitignore'), 'utf8')).toContain('/.trace-ledger/');
    expect(sh(repo, 'log', '--format=%s', 'main')).toBe('commit 0');

    const listed = await listLedgerRuns(repo);
    expect(listed.runs.map((run) => run.span_id)).toEqual([span]);
    const shown = await showLedgerRun(repo, span.toUpperCase());
    expect(shown.run.code_ref).toBe(before.head);
    expect(shown.events).toHaveLength(4);
    expect(shown.tag).toEqual({ name: `trace/run/${span}`, commit: before.head });

    // From a subdirectory, or from inside .trace-ledger/ (a user looking at its files): the same repository.
    mkdirSync(join(repo, 'sub', 'deep'), { recursive: true });
    expect((await listLedgerRuns(join(repo, 'sub', 'deep'))).runs.map((run) => run.span_id)).toEqual([span]);
    expect((await exportRuns({ cwd: join(repo, '.trace-ledger', 'runs'), store, runs: [span] })).commit).toBeNull();
    await store.close();

    // A second store (another machine) imports it, once.
    const other = openStore(join(base, 'store2'));
    const imported = await importRuns({ cwd: repo, store: other });
    expect(imported.events_added).toBe(4);
    expect((await importRuns({ cwd: repo, store: other })).events_added).toBe(0);
    expect((await other.query({})).map((event) => event.id).sort()).toEqual(lines.map((event) => event.id).sort());
    expect(await other.getByIdempotencyKey(`run:${shown.run.idempotency_key}`)).toBeDefined();
    // The metadata keeps its stored key order, so the importing machine prints the same bytes.
    const [importedStart] = await other.get([events[0]!.id]);
    expect(JSON.stringify(importedStart!.metadata)).toBe(JSON.stringify(events[0]!.metadata));
    await other.close();
  });

  it('works in a repository with no commits and tags the runs at the first export after one exists', async () => {
    const base = dirs.make();
    const repo = makeRepo(join(base, 'repo'), { commits: 0 });
    const store = openStore(join(base, 'store'));
    const { span } = await recordRun(store, repo);
    const first = await exportRuns({ cwd: repo, store });
    expect(first.tags_pending).toEqual([span]);
    expect(sh(repo, 'tag', '-l')).toBe('');
    expect(existsSync(join(repo, '.trace-ledger', 'runs', span, 'run.json'))).toBe(true);
    expect(() => sh(repo, 'rev-parse', '-q', '--verify', 'refs/heads/main')).toThrow();

    sh(repo, 'add', '.gitignore');
    sh(repo, 'commit', '-q', '-m', 'first');
    const head = sh(repo, 'rev-parse', 'HEAD');
    const second = await exportRuns({ cwd: repo, store });
    expect(second.commit).toBeNull();
    expect(second.tags_created).toEqual([span]);
    expect(sh(repo, 'rev-parse', `trace/run/${span}^{commit}`)).toBe(head);
    await store.close();
  });
});
