import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteTraceStore } from '@tracekernel/store';
import { createTracer } from '@tracekernel/sdk';
import { readAll, tempStorePath } from './helpers.js';

const SECRETS = ['sk-option-secret', 'env-password-secret', 'config-token-secret', 'helper-secret'];

/** Every byte the store keeps on disk: the database file and its write-ahead log. */
function storeBytes(db: string): string {
  return [db, `${db}-wal`].filter(existsSync).map((file) => readFileSync(file).toString('latin1')).join('');
}

async function readAllWithPrivate(db: string) {
  const store = SqliteTraceStore.open({ path: db });
  try {
    return await store.query({ includePrivate: true });
  } finally {
    await store.close();
  }
}

/** A tracer that redacts api_key (option), password (TRACE_REDACT) and token (.trace/config.json). */
function redactingTracer(db: string) {
  mkdirSync(dirname(db), { recursive: true });
  writeFileSync(join(dirname(db), 'config.json'), JSON.stringify({ redact: ['token'] }));
  return createTracer({ agentId: 'a', db, redact: ['api_key'], env: { TRACE_REDACT: 'password' } });
}

function emitSecrets(tracer: ReturnType<typeof createTracer>) {
  tracer.emit('bridge', 'send', {
    target: 'payments',
    metadata: { content: 'calling the API', api_key: SECRETS[0], request: { auth: { PASSWORD: SECRETS[1] }, list: [{ Token: SECRETS[2] }] } },
  });
  tracer.bridge.send({ target: 'payments', content: 'again', api_key: SECRETS[3] } as never);
}

describe('redaction', () => {
  it('never writes a redacted value to the store file: option, TRACE_REDACT and config.json keys, at any depth and any case', async () => {
    const db = tempStorePath();
    const tracer = redactingTracer(db);
    emitSecrets(tracer);
    await tracer.close();
    const bytes = storeBytes(db);
    expect(bytes).toContain('calling the API'); // the metadata is there, as plain text
    for (const secret of SECRETS) expect(bytes).not.toContain(secret);
    const [first, second] = await readAll(db);
    expect(first!.metadata).toEqual({ content: 'calling the API', api_key: '[redacted]', request: { auth: { PASSWORD: '[redacted]' }, list: [{ Token: '[redacted]' }] } });
    expect(second!.metadata).toEqual({ content: 'again', api_key: '[redacted]' });
  });

  it('never writes a redacted value to the spool when the store is down', async () => {
    const db = tempStorePath();
    mkdirSync(dirname(db), { recursive: true });
    writeFileSync(db, 'not a database '.repeat(200));
    const tracer = redactingTracer(db);
    tracer.on('error', () => {});
    emitSecrets(tracer);
    await tracer.close();
    expect(tracer.stats()).toMatchObject({ written: 0, spooled: 2 });
    const spoolDir = join(dirname(db), 'spool');
    const files = readdirSync(spoolDir, { recursive: true, encoding: 'utf8' }).map((name) => join(spoolDir, name)).filter((file) => statSync(file).isFile());
    expect(files.length).toBeGreaterThan(0);
    const spooled = files.map((file) => readFileSync(file, 'utf8')).join('');
    expect(spooled).toContain('calling the API');
    for (const secret of SECRETS) expect(spooled).not.toContain(secret);
  });

  it('a child process gets the keys through TRACE_REDACT, including those given only as an option', () => {
    const db = tempStorePath();
    const tracer = createTracer({ agentId: 'a', db, redact: ['api_key'], env: { TRACE_REDACT: 'password' } });
    expect(tracer.childEnv(null, {}).TRACE_REDACT).toBe('api_key,password');
    void tracer.close();
  });
});

describe('private events', () => {
  it('emit(..., { private: true }) and the typed helpers store the event as private, hidden from plain reads', async () => {
    const db = tempStorePath();
    const tracer = createTracer({ agentId: 'a', db });
    const open = tracer.spawn.wake({});
    const viaEmit = tracer.emit('memory', 'add_entry', { target: 'notes', metadata: { topic: 'x' }, private: true });
    const viaHelper = tracer.bridge.send({ target: 'payments', content: 'secret', private: true });
    await tracer.close();
    expect((await readAll(db)).map((event) => event.id)).toEqual([open]);
    const all = await readAllWithPrivate(db);
    expect(all.map((event) => [event.id, event.private === true])).toEqual([[open, false], [viaEmit, true], [viaHelper, true]]);
    // `private` is an envelope field, not metadata
    expect(all[2]!.metadata).toEqual({ content: 'secret' });
  });

  it('stay private through the spool and its replay', async () => {
    const db = tempStorePath();
    mkdirSync(dirname(db), { recursive: true });
    writeFileSync(db, 'not a database '.repeat(200));
    const tracer = createTracer({ agentId: 'a', db });
    tracer.on('error', () => {});
    const hidden = tracer.bridge.send({ target: 'payments', content: 'secret', private: true });
    const shown = tracer.bridge.send({ target: 'payments', content: 'public' });
    await tracer.close();
    expect(tracer.stats().spooled).toBe(2);
    writeFileSync(db, '');
    const next = createTracer({ agentId: 'a', db });
    await next.close();
    expect(next.stats().replayed).toBe(2);
    expect((await readAll(db)).map((event) => event.id)).toEqual([shown]);
    expect((await readAllWithPrivate(db)).map((event) => [event.id, event.private === true])).toEqual([[hidden, true], [shown, false]]);
  });
});
