const BITS = 5;
const WIDTH = 1 << BITS;
const MASK = WIDTH - 1;

/**
 * An immutable map from strings to values that shares structure between versions (a 32-way hash
 * array mapped trie): `set` returns a new map and copies only the path to the changed entry, so a
 * fold over n events that each add an entry costs O(n log n), where copying a Map per event would
 * cost O(n²). The SKU aggregate keeps one outcome per order in it, and a popular SKU sees many orders.
 */
export class PersistentMap<V> implements Iterable<readonly [string, V]> {
  private static emptyMap: PersistentMap<never> | undefined;

  private constructor(
    private readonly root: Node<V>,
    readonly size: number,
  ) {}

  static empty<V>(): PersistentMap<V> {
    return (PersistentMap.emptyMap ??= new PersistentMap<never>(emptyNode(), 0)) as PersistentMap<V>;
  }

  static of<V>(entries: Iterable<readonly [string, V]>): PersistentMap<V> {
    let map = PersistentMap.empty<V>();
    for (const [key, value] of entries) map = map.set(key, value);
    return map;
  }

  get(key: string): V | undefined {
    const hash = hashOf(key);
    let node = this.root;
    for (let shift = 0; ; shift += BITS) {
      const slot = node.slots[(hash >>> shift) & MASK];
      if (slot === undefined) return undefined;
      if (slot instanceof Leaf) {
        if (slot.hash !== hash) return undefined;
        for (const [k, v] of slot.entries) if (k === key) return v;
        return undefined;
      }
      node = slot;
    }
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** A map with `key` set to `value`; this one is unchanged. (Values may not be undefined.) */
  set(key: string, value: V): PersistentMap<V> {
    const hash = hashOf(key);
    const { node, added } = assoc(this.root, 0, hash, key, value);
    return new PersistentMap(node, this.size + (added ? 1 : 0));
  }

  *entries(): IterableIterator<readonly [string, V]> {
    yield* walk(this.root);
  }

  *values(): IterableIterator<V> {
    for (const [, value] of walk(this.root)) yield value;
  }

  [Symbol.iterator](): IterableIterator<readonly [string, V]> {
    return this.entries();
  }
}

/** Keys whose 32-bit hashes are equal (rare), at the depth where their hash prefix became unique. */
class Leaf<V> {
  constructor(
    readonly hash: number,
    readonly entries: readonly (readonly [string, V])[],
  ) {}
}

interface Node<V> {
  readonly slots: readonly (Node<V> | Leaf<V> | undefined)[];
}

function emptyNode<V>(): Node<V> {
  return { slots: new Array<undefined>(WIDTH).fill(undefined) };
}

function assoc<V>(node: Node<V>, shift: number, hash: number, key: string, value: V): { node: Node<V>; added: boolean } {
  const index = (hash >>> shift) & MASK;
  const slot = node.slots[index];
  let replacement: Node<V> | Leaf<V>;
  let added = true;
  if (slot === undefined) {
    replacement = new Leaf(hash, [[key, value]]);
  } else if (slot instanceof Leaf) {
    if (slot.hash === hash) {
      const at = slot.entries.findIndex(([k]) => k === key);
      added = at === -1;
      replacement = new Leaf(hash, added ? [...slot.entries, [key, value]] : slot.entries.map((e, i) => (i === at ? ([key, value] as const) : e)));
    } else {
      // Two different hashes differ in some bit below 32, so the split ends by shift 30.
      replacement = split(slot, new Leaf(hash, [[key, value]]), shift + BITS);
    }
  } else {
    const result = assoc(slot, shift + BITS, hash, key, value);
    replacement = result.node;
    added = result.added;
  }
  const slots = node.slots.slice();
  slots[index] = replacement;
  return { node: { slots }, added };
}

function split<V>(a: Leaf<V>, b: Leaf<V>, shift: number): Node<V> {
  const slots: (Node<V> | Leaf<V> | undefined)[] = new Array<undefined>(WIDTH).fill(undefined);
  const ia = (a.hash >>> shift) & MASK;
  const ib = (b.hash >>> shift) & MASK;
  if (ia === ib) slots[ia] = split(a, b, shift + BITS);
  else {
    slots[ia] = a;
    slots[ib] = b;
  }
  return { slots };
}

function* walk<V>(node: Node<V>): IterableIterator<readonly [string, V]> {
  for (const slot of node.slots) {
    if (slot === undefined) continue;
    if (slot instanceof Leaf) yield* slot.entries;
    else yield* walk(slot);
  }
}

/** FNV-1a over the key's UTF-16 code units, as an unsigned 32-bit integer. */
function hashOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
