import { randomUUID } from 'node:crypto';
import type { EventCatalog } from '@stockflow/contracts';
import type { Decider } from './decider.js';
import { ConcurrencyConflict } from './errors.js';
import type { AppendResult, EventMetadata, EventStore, ExpectedVersion, RecordedEvent } from './event-store.js';

export interface AggregateState<TState> {
  readonly state: TState;
  /** Stream version the state was built from; 0 when the stream does not exist. */
  readonly version: number;
}

export interface HandleCommandOptions {
  readonly metadata: EventMetadata;
  /**
   * The version the caller saw (HTTP If-Match). When given, a conflict is the caller's to resolve
   * and is not retried; when absent the handler re-reads and re-decides on a conflict.
   */
  readonly expectedVersion?: number;
}

export interface HandleCommandResult<TEvent, TState> {
  readonly events: readonly TEvent[];
  readonly state: TState;
  readonly append: AppendResult | null;
}

/**
 * Reads a stream, folds it with `evolve`, asks `decide`, and appends the decision with the version
 * it read as the expected version. Concurrent writers make the append fail; then it tries again
 * on fresh state, a bounded number of times.
 */
export class CommandHandler<TCommand, TEvent extends { type: string; data: unknown }, TState> {
  constructor(
    private readonly store: EventStore,
    private readonly catalog: EventCatalog,
    private readonly decider: Decider<TCommand, TEvent, TState>,
    private readonly maxAttempts = 8,
  ) {}

  async load(streamId: string): Promise<AggregateState<TState>> {
    const { events, currentVersion } = await this.store.readStream(streamId);
    let state = this.decider.initialState();
    for (const recorded of events) state = this.decider.evolve(state, this.toDomainEvent(recorded));
    return { state, version: currentVersion };
  }

  async handle(streamId: string, command: TCommand, options: HandleCommandOptions): Promise<HandleCommandResult<TEvent, TState>> {
    for (let attempt = 1; ; attempt++) {
      const { state, version } = await this.load(streamId);
      if (options.expectedVersion !== undefined && options.expectedVersion !== version) {
        throw new ConcurrencyConflict(streamId, String(options.expectedVersion), version || null);
      }
      const events = this.decider.decide(command, state);
      if (events.length === 0) return { events, state, append: null };
      const expected: ExpectedVersion = version === 0 ? 'no_stream' : version;
      try {
        const append = await this.store.appendToStream(
          streamId,
          events.map((event) => ({
            eventId: randomUUID(),
            type: event.type,
            schemaVersion: this.catalog.currentVersion(event.type),
            data: event.data,
            ...options.metadata,
          })),
          { expectedVersion: expected },
        );
        const newState = events.reduce((s, e) => this.decider.evolve(s, e), state);
        return { events, state: newState, append };
      } catch (error) {
        const retryable = error instanceof ConcurrencyConflict && options.expectedVersion === undefined && attempt < this.maxAttempts;
        if (!retryable) throw error;
        // Jittered pause so that racing writers do not collide again in lockstep.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * attempt * 2));
      }
    }
  }

  private toDomainEvent(recorded: RecordedEvent): TEvent {
    const { data } = this.catalog.upcast(recorded.type, recorded.schemaVersion, recorded.data);
    return { type: recorded.type, data } as TEvent;
  }
}
