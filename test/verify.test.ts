import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { emitPaymentStory } from './helpers/payment-story.js';
import { storePath } from './helpers/store-files.js';
import { tempDirs, trace } from './helpers/trace-cli.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  problems: string[];
}

async function verify(cwd: string): Promise<{ code: number; ok: boolean; checks: Record<string, Check>; text: string }> {
  const json = await trace(['verify', '--json'], { cwd });
  const text = await trace(['verify'], { cwd });
  expect(text.code).toBe(json.code);
  const body = JSON.parse(json.stdout) as { ok: boolean; checks: Check[] };
  return { code: json.code, ok: body.ok, checks: Object.fromEntries(body.checks.map((check) => [check.name, check])), text: text.stdout };
}

/**
 * A privileged writer: someone with write access to the file, who drops the triggers, edits, and
 * (the careful one) puts the triggers back so that nothing looks amiss.
 */
function tamper(db: string, edit: string, options: { restoreTriggers: boolean }): void {
  const raw = new Database(db);
  // The sqlite3 shell's default; better-sqlite3 enforces the events' references to names and kinds.
  raw.pragma('foreign_keys = OFF');
  try {
    const triggers = raw.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all() as Array<{ name: string; sql: string }>;
    for (const { name } of triggers) raw.exec(`DROP TRIGGER ${name}`);
    raw.exec(edit);
    if (options.restoreTriggers) for (const { sql } of triggers) raw.exec(sql);
  } finally {
    raw.close();
  }
}

describe('trace verify', () => {
  it('a clean store verifies: exit 0, every check ok, in text and JSON', async () => {
    const cwd = dirs.make();
    await emitPaymentStory(cwd);
    const result = await verify(cwd);
    expect(result.code).toBe(0);
    expect(result.ok).toBe(true);
    expect(Object.keys(result.checks)).toEqual(['integrity', 'protection', 'dictionaries', 'chain', 'runs']);
    for (const check of Object.values(result.checks)) expect(check).toMatchObject({ ok: true, problems: [] });
    expect(result.checks.chain!.detail).toMatch(/^12 batches, 12 events: every link matches$/);
    expect(result.text).toMatch(/^ok {3}integrity: /m);
    expect(result.text).toMatch(/verified$/m);
  });

  it('a pruned store still verifies: retention rebuilds the chain over what remains', async () => {
    const cwd = dirs.make();
    await emitPaymentStory(cwd);
    const pruned = await trace(['prune', '--older-than', '1d', '--json'], { cwd });
    expect(pruned.code).toBe(0);
    expect(JSON.parse(pruned.stdout).removed).toBeGreaterThan(0);
    const result = await verify(cwd);
    expect(result.checks.chain).toMatchObject({ ok: true, problems: [] });
    expect(result.code).toBe(0);
  });

  it('a renamed agent, with the triggers put back: the chain names the batch that no longer matches', async () => {
    const cwd = dirs.make();
    await emitPaymentStory(cwd);
    tamper(storePath(cwd), "UPDATE names SET name = 'mallory' WHERE name = 'haiku-2'", { restoreTriggers: true });
    const result = await verify(cwd);
    expect(result.code).toBe(1);
    expect(result.ok).toBe(false);
    expect(result.checks.protection!.ok).toBe(true);
    expect(result.checks.dictionaries!.ok).toBe(true);
    expect(result.checks.chain!.ok).toBe(false);
    // haiku-2 acted once, in the story's last event (the 12th batch).
    expect(result.checks.chain!.problems).toEqual([
      'batch 12 (seq 12..12, 1 events): an event, or a name or kind it uses, was changed, added or removed',
    ]);
    expect(result.text).toMatch(/^FAIL chain: the hash chain does not match the events$/m);
  });

  it('a rewritten event, triggers left dropped: protection and chain both fail', async () => {
    const cwd = dirs.make();
    await emitPaymentStory(cwd);
    tamper(storePath(cwd), `UPDATE events SET metadata = '{"content":"approved by admin (forged)"}' WHERE seq = 1`, { restoreTriggers: false });
    const result = await verify(cwd);
    expect(result.code).toBe(1);
    expect(result.checks.protection!.ok).toBe(false);
    expect(result.checks.protection!.problems).toContain('trigger events_are_append_only_update is missing (dropped by someone with write access to the file)');
    expect(result.checks.chain!.problems[0]).toMatch(/^batch 1 \(seq 1\.\.1, 1 events\)/);
  });

  it('a deleted name: the dictionaries check names the events that lost it', async () => {
    const cwd = dirs.make();
    await emitPaymentStory(cwd);
    tamper(storePath(cwd), "DELETE FROM names WHERE name = 'alice'", { restoreTriggers: true });
    const result = await verify(cwd);
    expect(result.code).toBe(1);
    expect(result.checks.dictionaries!.ok).toBe(false);
    expect(result.checks.dictionaries!.problems[0]).toBe('1 events whose agent is not in names');
    expect(result.checks.dictionaries!.problems[1]).toMatch(/^ {2}event [0-9a-f-]{36} \(seq 1\)$/);
  });

  it('an event inserted behind the store\'s back (the triggers allow an append): the chain says it was not written by tracekernel', async () => {
    const cwd = dirs.make();
    await emitPaymentStory(cwd);
    const raw = new Database(storePath(cwd));
    raw.exec(`INSERT INTO events (id, ts, kind, agent, target, schema_version, metadata)
      SELECT randomblob(16), ts + 1, kind, agent, target, schema_version, '{"title":"forged"}' FROM events WHERE seq = 3`);
    raw.close();
    const result = await verify(cwd);
    expect(result.code).toBe(1);
    expect(result.checks.chain!.problems).toEqual(['1 event(s) after the last link (seq > 12) were not written by tracekernel']);
  });
});
