import { Args, Flags } from '@oclif/core';
import { TraceCommand } from '../base-command.js';
import type { StoreWaitsJson, TaskWaitsJson } from '../analysis-json.js';

export default class Waits extends TraceCommand<typeof Waits> {
  static override summary = "What a task waited for: its critical path, blocked time, deadlocks and loops; --all checks every open task.";
  static override description =
    'The critical path is the chain of events from the task\'s creation to its completion (or now) whose delays set the ' +
    'end time, each step marked work, queue, blocked or reply. Deadlocks come from the waiting_on of block_task events; ' +
    'loops are claim → block cycles repeated --loop-threshold times, or an agent waking on the same target without ' +
    'progress. `--all` exits 1 when it finds a deadlock or a loop; every failure exits 2. See docs/analysis.md.';

  static override examples = [
    '<%= config.bin %> waits task-abc123',
    '<%= config.bin %> waits task-abc123 --json',
    '<%= config.bin %> waits --all --loop-threshold 5',
  ];

  static override failureExitCode = 2;

  static override args = {
    task: Args.string({ description: 'The task to analyse' }),
  };

  static override flags = {
    all: Flags.boolean({ description: 'Check every open task of the store for deadlocks and loops; exit 1 when one is found' }),
    'loop-threshold': Flags.integer({ description: 'Repetitions that make a loop', default: 3, min: 1 }),
    'include-private': Flags.boolean({ description: 'Read private events too' }),
  };

  async run(): Promise<TaskWaitsJson | StoreWaitsJson> {
    const { flags, args } = this;
    if (flags.all === true ? args.task !== undefined : args.task === undefined) await this.usageError('expected a task or --all (exactly one of them)');
    const { storeWaits, taskWaits } = await import('@tracekernel/projector');
    const { palette } = await import('../render/palette.js');
    const json = await import('../analysis-json.js');
    const text = await import('../render/waits-text.js');
    const store = await this.openStore('read');
    const options = { loopThreshold: flags['loop-threshold'], ...(flags['include-private'] ? { includePrivate: true } : {}) };
    if (flags.all) {
      const waits = await storeWaits(store, options);
      if (!this.jsonEnabled()) for (const line of text.storeWaitsText(waits, palette())) this.log(line);
      if (waits.deadlocks.length + waits.loops.length > 0) process.exitCode = 1;
      return json.storeWaitsJson(waits);
    }
    const waits = await taskWaits(store, args.task!, options);
    if (!this.jsonEnabled()) {
      const { EventCatalog } = await import('@tracekernel/schema');
      const catalog = new EventCatalog();
      for (const line of text.taskWaitsText(waits, (event) => catalog.describe(event), palette())) this.log(line);
    }
    return json.taskWaitsJson(waits);
  }
}
