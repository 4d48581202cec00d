import { shell } from './trace-cli.js';

/** The event ids of the payment story, by name. */
export type Story = Record<'ask' | 'wake' | 'task' | 'sub1' | 'sub2' | 'claim1' | 'blocked' | 'block' | 'answer' | 'claim2' | 'done1' | 'done2', string>;

/**
 * The design's payment-system story, told with `trace emit` the way a shell script would:
 * a request on #payments, a task decomposed into two subtasks, a worker blocked on an API key,
 * an answer, a retry (caused by the answer, also by the block) and completion.
 */
export async function emitPaymentStory(cwd: string): Promise<Story> {
  const script = `
set -e
ask=$(trace emit bridge send --agent alice --target payments --meta '{"content":"we need payments"}' --ts 2025-10-22T13:59:00Z)
wake=$(trace emit spawn wake --agent zealot-1 --session 42 --ts 2025-10-22T14:00:00Z)
task=$(trace emit ops create_task --agent zealot-1 --target task-abc --meta '{"title":"Build payment system"}' --parent $ask --ts 2025-10-22T14:00:30Z)
sub1=$(trace emit ops create_task --agent zealot-1 --target task-sub1 --meta '{"title":"Stripe API","parent_task_id":"task-abc"}' --parent $task --ts 2025-10-22T14:01:00Z)
sub2=$(trace emit ops create_task --agent zealot-1 --target task-sub2 --meta '{"title":"Checkout UI","parent_task_id":"task-abc"}' --parent $task --ts 2025-10-22T14:01:01Z)
claim1=$(trace emit ops claim_task --agent haiku-1 --target task-sub1 --parent $sub1 --ts 2025-10-22T14:05:00Z)
blocked=$(trace emit bridge send --agent haiku-1 --target payments --meta '{"content":"Blocked on API key"}' --parent $claim1 --ts 2025-10-22T14:10:00Z)
block=$(trace emit ops block_task --agent haiku-1 --target task-sub1 --meta '{"reason":"need API key"}' --parent $blocked --ts 2025-10-22T14:15:00Z)
answer=$(trace emit bridge send --agent zealot-1 --target payments --meta '{"content":"API key in .env.example"}' --parent $blocked --ts 2025-10-22T14:20:00Z)
claim2=$(trace emit ops claim_task --agent haiku-1 --target task-sub1 --meta '{"attempt":2}' --parent $answer --cause $block --ts 2025-10-22T14:25:00Z)
done1=$(trace emit ops complete_task --agent haiku-1 --target task-sub1 --parent $claim2 --ts 2025-10-22T14:30:00Z)
done2=$(trace emit ops complete_task --agent haiku-2 --target task-sub2 --parent $sub2 --ts 2025-10-22T14:31:00Z)
printf '{"ask":"%s","wake":"%s","task":"%s","sub1":"%s","sub2":"%s","claim1":"%s","blocked":"%s","block":"%s","answer":"%s","claim2":"%s","done1":"%s","done2":"%s"}' \\
  $ask $wake $task $sub1 $sub2 $claim1 $blocked $block $answer $claim2 $done1 $done2
`;
  const result = await shell(script, { cwd });
  if (result.code !== 0) throw new Error(`the payment story failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Story;
}
