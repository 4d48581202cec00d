// One racing writer: records 3 runs in its own store, then makes 8 ledger writes in turn —
// exports, notes and thread messages — against the repository given as argv[2]. Prints a JSON
// summary of what it wrote, for the test to check that nothing was lost.
import { join } from 'node:path';
import { addNote, createThread, exportRuns } from '@tracekernel/ledger';
import { EventCatalog } from '@tracekernel/schema';
import { RunWriter } from '@tracekernel/sdk';
import { SqliteTraceStore } from '@tracekernel/store';

const [repo, storeDir, name] = process.argv.slice(2);
const store = SqliteTraceStore.open({ path: join(storeDir, `${name}.db`), mode: 'write' });
const catalog = new EventCatalog();
const writer = new RunWriter(store, { agentId: name });
const spans = [];
for (let i = 0; i < 3; i++) {
  const started = await writer.start({ task: `${name}-task-${i}`, cwd: repo, idempotencyKey: `${name}-${i}` });
  await store.append([catalog.prepare({ primitive: 'ops', type: 'create_task', agent_id: name, target_id: `${name}-sub-${i}`, parent_event_id: started.start.id, metadata: { title: 'x' } })]);
  await writer.end(started.start, { status: 'success', durationMs: 1 });
  spans.push(started.record.span_id);
}
const notes = [];
const messages = [];
let thread = null;
for (let i = 0; i < 3; i++) {
  await exportRuns({ cwd: repo, store, runs: [spans[i]] });
  notes.push((await addNote({ cwd: repo, store, subject: spans[i], text: `${name} note ${i}` })).note.id);
  if (i === 0) thread = (await createThread({ cwd: repo, title: `${name}'s thread` })).thread_id;
  else if (i === 1) messages.push((await addNote({ cwd: repo, store, thread, text: `${name} message` })).note.id);
}
await store.close();
process.stdout.write(JSON.stringify({ spans, notes, thread, messages }));
