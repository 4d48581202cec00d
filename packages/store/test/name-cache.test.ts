import { describe, expect, it } from 'vitest';
import { NameCache } from '../src/sqlite/name-cache.js';

describe('the store\'s name cache', () => {
  it('answers both ways and forgets a name with its id', () => {
    const cache = new NameCache(10);
    cache.remember(1, 'agent-a');
    cache.remember(2, 'task-1');
    expect([cache.idOf('agent-a'), cache.nameOf(2), cache.has(1)]).toEqual([1, 'task-1', true]);
    cache.forget('agent-a');
    expect([cache.idOf('agent-a'), cache.nameOf(1), cache.has(1), cache.size]).toEqual([undefined, undefined, false, 1]);
  });

  it('stays bounded: trim() empties it once it holds more than its capacity, and only then', () => {
    const cache = new NameCache(3);
    for (let id = 1; id <= 3; id++) cache.remember(id, `task-${id}`);
    cache.trim();
    expect(cache.size).toBe(3);
    cache.remember(4, 'task-4');
    // Over capacity, it still answers until it is trimmed: a decode in progress keeps its names.
    expect(cache.nameOf(1)).toBe('task-1');
    cache.trim();
    expect([cache.size, cache.nameOf(1), cache.idOf('task-4')]).toEqual([0, undefined, undefined]);
  });
});
