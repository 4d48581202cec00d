import { describe, expect, it } from 'vitest';
import { fastShowArgs } from '../src/show-json-fast.js';

// The one form `trace <name> --json` answers without oclif; anything else must go through it.
describe('fastShowArgs', () => {
  it('takes a name, --json and --db in any order', () => {
    expect(fastShowArgs(['task-1', '--json'])).toEqual({ id: 'task-1' });
    expect(fastShowArgs(['--json', 'task-1', '--db', 'x.db'])).toEqual({ id: 'task-1', db: 'x.db' });
    expect(fastShowArgs(['--db=postgres://h/db', 'task-1', '--json'])).toEqual({ id: 'task-1', db: 'postgres://h/db' });
  });

  it('refuses anything else', () => {
    for (const argv of [
      ['task-1'],
      ['--json'],
      ['task-1', 'task-2', '--json'],
      ['task-1', '--json', '--json'],
      ['task-1', '--json', '--limit', '5'],
      ['task-1', '--json', '--db'],
      ['task-1', '--json', '--db', '--limit'],
      ['task-1', '--json', '--db='],
      ['task-1', '--json', '--db', 'a', '--db', 'b'],
      ['task-1', '--json', '-f'],
      ['task-1', '--json', '--space', 'dir'],
      ['--causality', 'x', '--json'],
    ]) expect(fastShowArgs(argv)).toBeNull();
  });
});
