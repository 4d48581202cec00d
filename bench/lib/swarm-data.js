/**
 * Seeded synthetic swarm data: 50 agents working in sessions (spawn.wake ... spawn.sleep) on 20k
 * targets (tasks, channels, memory entries, discoveries) with the five primitives and valid metadata
 * of about 100 bytes of JSON. Events form causal trees: an agent's session is a series of work items
 * of 3 to 25 events; each item is a tree under the session's wake (or, 30% of the time, under
 * another agent's recent event: a reaction), and 1% of the events name an extra cause (fan-in).
 * Causality stays local like in a real swarm, so "everything a task's events caused" is a few
 * dozen events, not the rest of the log.
 *
 * Two structures are spliced into the stream for the query benchmarks, interleaved with the bulk
 * so that their rows are spread over the file like real data:
 * - a subtree of exactly `subtreeSize` events below one root (the root included);
 * - a chain of `chainDepth` parent links, so its tip has `chainDepth` ancestors.
 * Bulk events never attach to them, so their sizes are exact.
 *
 * The generator does not make ids: the ingest under test assigns them, and hands each back with
 * `commit(id)`. It streams: it keeps bounded state (rings of recent ids, a status byte per task), so
 * its memory does not grow with N except the subtree's own ids (10,000) and, above 1M events, the
 * targets' status arrays (a byte per task).
 */

export const BASE_TS = Date.UTC(2025, 9, 22, 14, 0, 0);
export const AGENTS = 50;
// The targets of a stream of up to 1M events: 14,000 + 200 + 3,000 + 2,800 = 20,000. Longer streams
// (`--scale`) get proportionally more, so a 10M-event log is ten times as many tasks of the same
// size, not tasks ten times as long: the growth curve then shows what the store's size costs a
// question, not the question getting bigger.
const TASKS_PER_1M = 14_000;
const CHANNELS_PER_1M = 200;
const MEMORY_ENTRIES_PER_1M = 3_000;
const DISCOVERIES_PER_1M = 2_800;
export const SUBTREE_TASK = 'task-bench-subtree';

/** mulberry32: small, fast, good enough for synthetic data. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'payment api key stripe config blocked retry schema migration index query latency cache worker queue ' +
  'deploy build test flaky timeout review merge branch design flow auth token session user invoice ledger ' +
  'refund webhook sandbox secret env rollout metric alert trace span agent plan step result summary'
).split(' ');

function sentencePool(random, count, minLength, maxLength) {
  const pool = [];
  for (let i = 0; i < count; i++) {
    const length = minLength + Math.floor(random() * (maxLength - minLength));
    let text = WORDS[Math.floor(random() * WORDS.length)];
    while (text.length < length) text += ' ' + WORDS[Math.floor(random() * WORDS.length)];
    pool.push(text.slice(0, length));
  }
  return pool;
}

export const agentName = (i) => `agent-${String(i).padStart(2, '0')}`;
export const taskName = (i) => `task-${String(i).padStart(5, '0')}`;
const channelName = (i) => `chan-${String(i).padStart(3, '0')}`;
const memoryName = (i) => `mem-${String(i).padStart(4, '0')}`;
const discoveryName = (i) => `disc-${String(i).padStart(4, '0')}`;

const GLOBAL_RING = 1024;

/**
 * @param {{ seed?: number, events: number, subtreeSize?: number, chainDepth?: number }} options
 */
export function createSwarm(options) {
  const { seed = 42, events: total, subtreeSize = 10_000, chainDepth = 500 } = options;
  const scale = Math.max(1, total / 1_000_000);
  const TASKS = Math.round(TASKS_PER_1M * scale);
  const CHANNELS = Math.round(CHANNELS_PER_1M * scale);
  const MEMORY_ENTRIES = Math.round(MEMORY_ENTRIES_PER_1M * scale);
  const DISCOVERIES = Math.round(DISCOVERIES_PER_1M * scale);
  const random = rng(seed);
  const pick = (n) => Math.floor(random() * n);
  const long = sentencePool(random, 4096, 60, 100);
  const short = sentencePool(random, 1024, 30, 50);
  const text = () => long[pick(long.length)];
  const shortText = () => short[pick(short.length)];

  // Agents: session state and a ring of their recent event ids.
  const awake = new Uint8Array(AGENTS);
  const sessionLeft = new Int32Array(AGENTS);
  const sessionNo = new Int32Array(AGENTS);
  const wakeIds = new Array(AGENTS).fill(null);
  const agentRing = Array.from({ length: AGENTS }, () => []); // the ids of the current work item
  const itemLeft = new Int32Array(AGENTS);
  const globalRing = new Array(GLOBAL_RING).fill(null);
  let globalCount = 0;

  // Tasks: 0 = not created, 1 open, 2 claimed, 3 blocked, 4 complete.
  const taskStatus = new Uint8Array(TASKS);
  const taskAttempts = new Uint8Array(TASKS);
  let tasksCreated = 0;

  // Spliced structures: evenly spaced over [start, end) of the stream.
  const schedule = (size, from, to) => {
    const start = Math.floor(total * from);
    const stride = Math.max(1, (Math.floor(total * to) - start) / size);
    return { size, emitted: 0, next: start, stride };
  };
  const subtree = schedule(subtreeSize, 0.3, 0.7);
  const chain = schedule(chainDepth + 1, 0.2, 0.8); // root + chainDepth links
  const subtreeIds = [];
  let chainLast = null;
  let chainRoot = null;

  let ts = BASE_TS;
  let index = 0;
  let pending = null; // what commit(id) should do with the id

  const recentGlobal = () => globalRing[pick(Math.min(globalCount, GLOBAL_RING))];
  /** The parent of an agent's next event: a node of its current work item, or a new item's root cause. */
  const parentFor = (agent) => {
    const item = agentRing[agent];
    if (itemLeft[agent] > 0 && item.length > 0) return item[pick(item.length)];
    item.length = 0;
    itemLeft[agent] = 3 + pick(23);
    if (globalCount > 0 && random() < 0.3) return recentGlobal();
    return wakeIds[agent];
  };
  const extraCauses = () => (globalCount < 2 || random() >= 0.01 ? [] : [recentGlobal()]);

  /** An event of the bulk kinds (never spawn.wake/sleep) with valid metadata. */
  const bulkKind = (agent) => {
    const r = random();
    if (r < 0.4) {
      // ops: create new tasks while there are some left, else move existing ones along.
      if (tasksCreated < TASKS && (tasksCreated < 50 || random() < 0.15)) {
        const task = tasksCreated++;
        taskStatus[task] = 1;
        const parentTask = task > 100 && random() < 0.3 ? taskName(pick(task)) : undefined;
        return { primitive: 'ops', type: 'create_task', target: taskName(task),
          metadata: parentTask ? { title: shortText(), parent_task_id: parentTask } : { title: text() } };
      }
      const task = pick(tasksCreated);
      const target = taskName(task);
      switch (taskStatus[task]) {
        case 1:
        case 3:
          taskStatus[task] = 2;
          return { primitive: 'ops', type: 'claim_task', target, metadata: { attempt: (taskAttempts[task] = Math.min(250, taskAttempts[task] + 1)), note: shortText() } };
        case 2:
          if (random() < 0.3) {
            taskStatus[task] = 3;
            return { primitive: 'ops', type: 'block_task', target, metadata: { reason: text() } };
          }
          taskStatus[task] = 4;
          return { primitive: 'ops', type: 'complete_task', target, metadata: { result: text() } };
        default:
          taskStatus[task] = 1;
          return { primitive: 'ops', type: 'reduce_task', target,
            metadata: { subtask_ids: [taskName(pick(TASKS)), taskName(pick(TASKS))], summary: shortText() } };
      }
    }
    if (r < 0.65) {
      const target = channelName(pick(CHANNELS));
      const s = random();
      if (s < 0.5) return { primitive: 'bridge', type: 'send', target, metadata: { content: text(), message_id: `msg-${index}` } };
      if (s < 0.8) return { primitive: 'bridge', type: 'recv', target, metadata: { count: 1 + pick(9), message_ids: [`msg-${index - 1 - pick(500)}`, `msg-${index - 1 - pick(500)}`], note: shortText() } };
      return { primitive: 'bridge', type: 'note', target, metadata: { content: text() } };
    }
    if (r < 0.8) {
      const target = memoryName(pick(MEMORY_ENTRIES));
      if (random() < 0.85) return { primitive: 'memory', type: 'add_entry', target, metadata: { topic: WORDS[pick(WORDS.length)], content: text() } };
      return { primitive: 'memory', type: 'archive_entry', target, metadata: { reason: text() } };
    }
    if (r < 0.92) {
      const target = discoveryName(pick(DISCOVERIES));
      if (random() < 0.85) {
        return { primitive: 'knowledge', type: 'add_discovery', target,
          metadata: { domain: WORDS[pick(WORDS.length)], content: text(), confidence: Math.round(random() * 100) / 100 } };
      }
      return { primitive: 'knowledge', type: 'archive_discovery', target, metadata: { reason: text() } };
    }
    return { primitive: 'spawn', type: 'spawn', target: agentName(pick(AGENTS)),
      metadata: { role: WORDS[pick(WORDS.length)], task_id: taskName(pick(Math.max(1, tasksCreated))), brief: shortText() } };
  };

  return {
    total,
    get index() { return index; },

    /** The next event: { primitive, type, agent, target, metadata, ts, parent, causes, session }. */
    next() {
      if (index >= total) return null;
      ts += 1 + pick(40);
      let event;
      if (subtree.emitted < subtree.size && index >= subtree.next) {
        subtree.next += subtree.stride;
        const agent = pick(AGENTS);
        if (subtree.emitted === 0) {
          event = { primitive: 'ops', type: 'create_task', target: SUBTREE_TASK, metadata: { title: 'benchmark subtree root task for causality' }, parent: null, causes: [] };
        } else {
          event = { ...bulkKind(agent), parent: subtreeIds[pick(subtreeIds.length)], causes: [] };
        }
        event.agent = agentName(agent);
        event.session = null;
        pending = 'subtree';
        subtree.emitted++;
      } else if (chain.emitted < chain.size && index >= chain.next) {
        chain.next += chain.stride;
        const agent = pick(AGENTS);
        event = { primitive: 'bridge', type: 'send', target: channelName(pick(CHANNELS)),
          metadata: { content: text(), message_id: `chain-${chain.emitted}` }, parent: chainLast, causes: [] };
        event.agent = agentName(agent);
        event.session = null;
        pending = 'chain';
        chain.emitted++;
      } else {
        const agent = pick(AGENTS);
        if (!awake[agent]) {
          awake[agent] = 1;
          sessionLeft[agent] = 50 + pick(350);
          sessionNo[agent]++;
          event = { primitive: 'spawn', type: 'wake', target: null, metadata: { reason: shortText() },
            parent: globalCount > 0 && random() < 0.5 ? recentGlobal() : null, causes: [] };
          pending = { agent, wake: true };
        } else if (--sessionLeft[agent] <= 0) {
          awake[agent] = 0;
          event = { primitive: 'spawn', type: 'sleep', target: null, metadata: { reason: shortText() }, parent: wakeIds[agent], causes: [] };
          pending = { agent, sleep: true };
        } else {
          event = bulkKind(agent);
          event.parent = parentFor(agent);
          event.causes = extraCauses();
          itemLeft[agent]--;
          pending = { agent };
        }
        event.agent = agentName(agent);
        event.session = `${agent}-${sessionNo[agent]}`;
      }
      event.ts = ts;
      index++;
      return event;
    },

    /** Records the id the ingest gave to the event returned by the last next(). */
    commit(id) {
      const what = pending;
      pending = null;
      if (what === 'subtree') subtreeIds.push(id);
      else if (what === 'chain') {
        if (chainRoot === null) chainRoot = id;
        chainLast = id;
      } else {
        const { agent, wake, sleep } = what;
        const ring = agentRing[agent];
        if (wake) wakeIds[agent] = id;
        if (wake || sleep) {
          ring.length = 0;
          itemLeft[agent] = 0;
        } else ring.push(id);
        globalRing[globalCount++ % GLOBAL_RING] = id;
      }
    },

    /** The ids and names the query benchmarks need; call after the last commit. */
    manifest() {
      return {
        events: index,
        subtreeRoot: subtreeIds[0] ?? null,
        subtreeSize: subtreeIds.length,
        chainRoot,
        chainTip: chainLast,
        chainDepth: chain.emitted - 1,
        tasksCreated,
        targets: TASKS + CHANNELS + MEMORY_ENTRIES + DISCOVERIES,
        firstTs: BASE_TS,
        lastTs: ts,
      };
    },
  };
}

/** Query subjects drawn from the same seed, so that every store is asked the same questions. */
export function querySubjects({ seed = 7, count, tasksCreated, firstTs, lastTs }) {
  const random = rng(seed);
  const tasks = Array.from({ length: count }, () => taskName(Math.floor(random() * tasksCreated)));
  const agents = Array.from({ length: count }, () => agentName(Math.floor(random() * AGENTS)));
  // "Since a time" an hour or so before the end: well over 100 events of any agent.
  const since = Array.from({ length: count }, () => Math.floor(firstTs + (lastTs - firstTs) * (0.5 + random() * 0.4)));
  return { tasks, agents, since };
}
