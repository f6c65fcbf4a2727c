// A projection is a pure fold of events into rows keyed by one id. The engine loads the rows a batch
// touches, folds the batch in memory with `apply`, and writes back only the rows that changed.

/** What a projection sees of an event: the envelope fields it may use, payload upcast to current. */
export interface ProjectedEvent {
  readonly type: string;
  readonly data: unknown;
  readonly occurredAt: string;
  readonly streamId: string;
}

export interface Projection<Row> {
  /** Unique name; also the read-model table and the checkpoint's key. */
  readonly name: string;
  /** The context whose stream feeds it, and the aggregate (subject filter) within it. */
  readonly sourceContext: string;
  readonly aggregate: string;
  /** The row key an event changes, or null when the event does not concern this projection. */
  keyOf(event: ProjectedEvent): string | null;
  /** The row after the event; `current` is undefined when no row exists yet. Never throws. */
  apply(current: Row | undefined, event: ProjectedEvent): Row | undefined;
}

/** Folds events into `rows` (mutated) and returns the keys whose row changed, in first-change order. */
export function foldEvents<Row>(projection: Projection<Row>, rows: Map<string, Row>, events: Iterable<ProjectedEvent>): Set<string> {
  const changed = new Set<string>();
  for (const event of events) {
    const key = projection.keyOf(event);
    if (key === null) continue;
    const before = rows.get(key);
    const after = projection.apply(before, event);
    if (after === undefined || after === before) continue;
    rows.set(key, after);
    changed.add(key);
  }
  return changed;
}
