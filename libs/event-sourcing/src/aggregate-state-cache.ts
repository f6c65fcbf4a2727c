/** The last known state of a stream and the version it was built from. */
export interface CachedState<TState> {
  readonly state: TState;
  readonly version: number;
}

/**
 * A bounded least-recently-used map of aggregate states. A process that writes a stream keeps its
 * state here, so a command needs no read before its append: the append's expected version proves
 * the state current, and a conflict evicts it.
 */
export class AggregateStateCache<TState> {
  private readonly entries = new Map<string, CachedState<TState>>();

  constructor(private readonly maxEntries = 10_000) {}

  get(streamId: string): CachedState<TState> | undefined {
    const entry = this.entries.get(streamId);
    if (entry) {
      this.entries.delete(streamId);
      this.entries.set(streamId, entry);
    }
    return entry;
  }

  set(streamId: string, entry: CachedState<TState>): void {
    this.entries.delete(streamId);
    this.entries.set(streamId, entry);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(streamId: string): void {
    this.entries.delete(streamId);
  }
}
