/** Where a log subscriber (relay, projection) remembers the last log position it fully handled. */
export interface CheckpointStore {
  load(subscriber: string): Promise<string | null>;
  save(subscriber: string, logPosition: string): Promise<void>;
}

/** For unit tests. */
export class InMemoryCheckpointStore implements CheckpointStore {
  private readonly positions = new Map<string, string>();
  async load(subscriber: string): Promise<string | null> {
    return this.positions.get(subscriber) ?? null;
  }
  async save(subscriber: string, logPosition: string): Promise<void> {
    this.positions.set(subscriber, logPosition);
  }
}
