import { execute, settings } from '@oclif/core';

/**
 * The CLI's entry point, bundled with oclif: oclif is CommonJS spread over a hundred files, and
 * loading them one by one was the largest part of `trace`'s start-up.
 */
export async function main(args: string[], dir: string): Promise<void> {
  // The built CLI never runs its TypeScript sources. Without this, oclif looks for them whenever
  // NODE_ENV is `development` or `test` (vitest sets it for every process the tests start), and
  // loading the TypeScript compiler to read tsconfig.json doubled the cost of each start.
  settings.enableAutoTranspile = false;
  await execute({ args, dir });
}
