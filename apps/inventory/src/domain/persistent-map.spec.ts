import { describe, expect, it } from '@jest/globals';
import { PersistentMap } from './persistent-map.js';

describe('PersistentMap', () => {
  it('gets, sets and counts like a Map, and never changes an earlier version', () => {
    const empty = PersistentMap.empty<number>();
    const one = empty.set('a', 1);
    const two = one.set('b', 2);
    const replaced = two.set('a', 10);
    expect([empty.size, one.size, two.size, replaced.size]).toEqual([0, 1, 2, 2]);
    expect([one.get('a'), one.get('b'), two.get('b'), replaced.get('a'), two.get('a')]).toEqual([1, undefined, 2, 10, 1]);
    expect(empty.has('a')).toBe(false);
    expect(new Map(replaced)).toEqual(new Map([['a', 10], ['b', 2]]));
    expect([...replaced.values()].sort((x, y) => x - y)).toEqual([2, 10]);
  });

  it('agrees with a Map over many random operations, old versions included', () => {
    let seed = 42;
    const random = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    let map = PersistentMap.empty<number>();
    const reference = new Map<string, number>();
    const versions: { map: PersistentMap<number>; copy: Map<string, number> }[] = [];
    for (let i = 0; i < 20_000; i++) {
      const key = `k${Math.floor(random() * 5_000)}`;
      map = map.set(key, i);
      reference.set(key, i);
      if (i % 2_000 === 0) versions.push({ map, copy: new Map(reference) });
    }
    expect(map.size).toBe(reference.size);
    for (const [key, value] of reference) expect(map.get(key)).toBe(value);
    expect(map.get('absent')).toBeUndefined();
    for (const version of versions) expect(new Map(version.map)).toEqual(version.copy);
  });

  it('keeps keys whose hashes collide apart', () => {
    const fnv1a = (key: string): number => {
      let h = 0x811c9dc5;
      for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
      return h >>> 0;
    };
    const [a, b] = ['7yzx', 'e6ad']; // found by search: the same 32-bit FNV-1a hash
    expect(fnv1a(a)).toBe(fnv1a(b));
    const map = PersistentMap.of([
      [a, 1],
      [b, 2],
    ]);
    expect([map.get(a), map.get(b), map.size]).toEqual([1, 2, 2]);
    expect(map.set(b, 3).get(b)).toBe(3);
    expect(map.set(b, 3).size).toBe(2);
    expect(map.get(b)).toBe(2);
  });
});
