import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { storePathForWriting } from '@tracekernel/store';
import { tellPaymentStory } from './payment-story.js';

/**
 * `npm run demo`: records the payment story into the embedded store found from the working
 * directory (creating ./.trace/trace.db when there is none), then reads it back with `trace`.
 */
const trace = fileURLToPath(new URL('../../bin/run.js', import.meta.url));
const store = storePathForWriting();

await tellPaymentStory();

const show = (args: string[]) => {
  process.stdout.write(`\n$ trace ${args.join(' ')}\n`);
  process.stdout.write(execFileSync(process.execPath, [trace, ...args], { encoding: 'utf8', env: { ...process.env, TRACE_DB: store } }));
};
process.stdout.write(`Recorded the payment-system story in ${store}\n`);
show(['task-abc123']);
show(['--causality', 'task-abc123']);
show(['--agent', 'haiku-1', '--primitive', 'ops']);
process.stdout.write('\nExplore it yourself: npx trace --channel payments, npx trace stats, npx trace --agent zealot-1 --since "last wake"\n');
