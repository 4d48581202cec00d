import { Flags } from '@oclif/core';

/**
 * `--limit N`, the same on every command: a whole number from 1 to 2^53 - 1. oclif's own integer
 * flag reads 99999999999999999999 as 1e20 and lets it through; this refuses it by its digits.
 */
export const limitFlag = (description: string) =>
  Flags.custom<number>({
    description,
    helpValue: '<N>',
    parse: async (input) => {
      const value = Number(input.trim());
      if (!/^\d+$/.test(input.trim()) || !Number.isSafeInteger(value) || value < 1) {
        throw new Error(`--limit: expected a whole number from 1 to ${Number.MAX_SAFE_INTEGER}, got "${input}"`);
      }
      return value;
    },
  })();
