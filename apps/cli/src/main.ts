import { execute } from '@oclif/core';

/**
 * The CLI's entry point, bundled with oclif: oclif is CommonJS spread over a hundred files, and
 * loading them one by one was the largest part of `trace`'s start-up.
 */
export async function main(args: string[], dir: string): Promise<void> {
  await execute({ args, dir });
}
