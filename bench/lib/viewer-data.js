/**
 * A store holding one task whose timeline is `events` events: a root task, `groups` group tasks,
 * each with leaf subtasks worked by 50 agents. Each leaf is created, claimed, does its work (bridge,
 * memory and knowledge events, each caused by one of the leaf's recent events, some with a further
 * cause in another leaf: fan-in), is blocked and re-claimed one time in ten, and completes. Seeded,
 * so every run lays out the same trace.
 */
import { EventCatalog } from '@tracekernel/schema';
import { SqliteTraceStore } from '@tracekernel/store';
import { BASE_TS, agentName, rng } from './swarm-data.js';

export const VIEWER_TASK = 'task-viewer-bench';

export function writeViewerStore(path, { events = 100_000, groups = 20, leavesPerGroup = 50 } = {}) {
  const random = rng(7);
  const pick = (n) => Math.floor(random() * n);
  const catalog = new EventCatalog();
  const store = SqliteTraceStore.open({ path, mode: 'write' });
  const leaves = groups * leavesPerGroup;
  const overhead = 1 + groups + leaves * 3; // creates, claims, completes
  const workPerLeaf = Math.max(1, Math.floor((events - overhead - Math.ceil(leaves / 10) * 2) / leaves));
  let batch = [];
  let written = 0;
  const add = (event) => {
    const prepared = catalog.prepare({ causes: [], session_id: null, ...event });
    batch.push(prepared);
    written += 1;
    if (batch.length === 4096) {
      store.appendSync(batch);
      batch = [];
    }
    return prepared.event.id;
  };
  let ts = BASE_TS;
  const root = add({ primitive: 'ops', type: 'create_task', agent_id: 'agent-00', target_id: VIEWER_TASK, ts, parent_event_id: null, metadata: { title: 'viewer bench: 100k-event task' } });
  const groupIds = [];
  for (let g = 0; g < groups; g++) {
    groupIds.push(add({ primitive: 'ops', type: 'create_task', agent_id: 'agent-00', target_id: `${VIEWER_TASK}-g${g}`, ts: (ts += 100), parent_event_id: root, metadata: { title: `group ${g}`, parent_task_id: VIEWER_TASK } }));
  }
  const recentOthers = [];
  for (let l = 0; l < leaves; l++) {
    const group = l % groups;
    const task = `${VIEWER_TASK}-g${group}-l${Math.floor(l / groups)}`;
    const agent = agentName(l % 50);
    let at = BASE_TS + 10_000 + l * 15_000 + pick(5_000);
    const created = add({ primitive: 'ops', type: 'create_task', agent_id: 'agent-00', target_id: task, ts: at, parent_event_id: groupIds[group], metadata: { title: `leaf ${l}`, parent_task_id: `${VIEWER_TASK}-g${group}` } });
    const claimed = add({ primitive: 'ops', type: 'claim_task', agent_id: agent, target_id: task, ts: (at += 1_000), parent_event_id: created, metadata: { attempt: 1 } });
    const recent = [claimed];
    const blockAt = l % 10 === 0 ? Math.floor(workPerLeaf / 2) : -1;
    for (let w = 0; w < workPerLeaf; w++) {
      at += 200 + pick(3_000);
      const parent = recent[Math.max(0, recent.length - 1 - pick(Math.min(5, recent.length)))];
      const causes = recentOthers.length > 0 && random() < 0.02 ? [recentOthers[pick(recentOthers.length)]] : [];
      const s = random();
      const body = s < 0.45
        ? { primitive: 'bridge', type: 'send', target_id: `chan-${l % 40}`, metadata: { content: `progress on ${task}: step ${w}`, message_id: `m-${l}-${w}` } }
        : s < 0.75
          ? { primitive: 'memory', type: 'add_entry', target_id: `mem-${l % 300}`, metadata: { topic: 'work', content: `note ${w} of ${task}` } }
          : { primitive: 'knowledge', type: 'add_discovery', target_id: `disc-${l % 200}`, metadata: { domain: 'bench', content: `finding ${w}`, confidence: 0.5 } };
      recent.push(add({ ...body, agent_id: agent, ts: at, parent_event_id: parent, causes }));
      if (w === blockAt) {
        const blocked = add({ primitive: 'ops', type: 'block_task', agent_id: agent, target_id: task, ts: (at += 500), parent_event_id: recent.at(-1), metadata: { reason: 'waiting on a review' } });
        recent.push(add({ primitive: 'ops', type: 'claim_task', agent_id: agent, target_id: task, ts: (at += 20_000), parent_event_id: blocked, metadata: { attempt: 2 } }));
      }
      if (recent.length > 8) recent.shift();
    }
    add({ primitive: 'ops', type: 'complete_task', agent_id: agent, target_id: task, ts: (at += 500), parent_event_id: recent.at(-1), metadata: { result: 'done' } });
    recentOthers.push(recent.at(-1));
    if (recentOthers.length > 64) recentOthers.shift();
  }
  if (batch.length > 0) store.appendSync(batch);
  return store.close().then(() => ({ events: written, tasks: 1 + groups + leaves }));
}
