import { describe, expect, it } from 'vitest';
import { createGroupCommit, type GroupEntry } from '../server/services/groupCommit.js';

interface Entry extends GroupEntry {
  name: string;
  resolve(): void;
}

/** A group commit whose `commit` records each group and fails as `fails` says. */
function recorder(options: { maxInFlight: number; fails?: (group: string[], attempt: number) => Error | undefined }) {
  const groups: string[][] = [];
  const settled: string[][] = [];
  const attempts = new Map<string, number>();
  let open = 0;
  let mostOpen = 0;
  const group = createGroupCommit<Entry>({
    maxInFlight: options.maxInFlight,
    take: (queue) => queue.splice(0, 3),
    async commit(entries) {
      const names = entries.map((entry) => entry.name);
      const key = names.join(',');
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      open++;
      mostOpen = Math.max(mostOpen, open);
      await new Promise((resolve) => setImmediate(resolve));
      open--;
      groups.push(names);
      const error = options.fails?.(names, attempt);
      if (error) throw error;
      for (const entry of entries) entry.resolve();
    },
    retryable: new Set(['40P01']),
    settled: (entries) => settled.push(entries.map((entry) => entry.name)),
  });
  const push = (name: string) =>
    new Promise<string>((resolve, reject) => group.push({ name, resolve: () => resolve(name), reject }));
  return { group, groups, settled, push, mostOpen: () => mostOpen };
}

const sqlError = (code: string) => Object.assign(new Error(`sql ${code}`), { code });

describe('group commit', () => {
  it('entries pushed together leave together, at most maxInFlight groups at once, and idle waits for all', async () => {
    const { group, groups, push, mostOpen } = recorder({ maxInFlight: 2 });
    const done = Promise.all(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map(push));
    await group.idle();
    expect(await done).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(groups.flat().sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(groups[0]).toEqual(['a', 'b', 'c']);
    expect(mostOpen()).toBe(2);
  });

  it('a group that fails is written again entry by entry: only the bad entry fails', async () => {
    const { group, groups, settled, push } = recorder({ maxInFlight: 1, fails: (names) => (names.includes('bad') ? sqlError('23514') : undefined) });
    const outcomes = await Promise.allSettled(['x', 'bad', 'y'].map(push));
    await group.idle();
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(groups).toEqual([['x', 'bad', 'y'], ['x'], ['bad'], ['y']]);
    expect(settled).toEqual([['x', 'bad', 'y']]);
  });

  it('a retryable failure writes the same group again; the database being down fails every entry at once', async () => {
    const retried = recorder({ maxInFlight: 1, fails: (_names, attempt) => (attempt === 1 ? sqlError('40P01') : undefined) });
    expect(await Promise.all(['p', 'q'].map(retried.push))).toEqual(['p', 'q']);
    expect(retried.groups).toEqual([['p', 'q'], ['p', 'q']]);

    const down = recorder({ maxInFlight: 1, fails: () => sqlError('57P01') });
    const outcomes = await Promise.allSettled(['m', 'n'].map(down.push));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    expect(down.groups).toEqual([['m', 'n']]);
  });
});
