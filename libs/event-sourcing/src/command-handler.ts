import { randomUUID } from 'node:crypto';
import type { EventCatalog } from '@stockflow/contracts';
import { type AggregateStateCache } from './aggregate-state-cache.js';
import type { Decider } from './decider.js';
import { ConcurrencyConflict, DomainError } from './errors.js';
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
  /** The stream's version after the command (unchanged when it decided nothing). */
  readonly version: number;
  readonly append: AppendResult | null;
}

export interface CommandHandlerOptions<TState> {
  /** Tries per command when concurrent writers keep winning. Default 8. */
  readonly maxAttempts?: number;
  /**
   * Keeps states this process wrote, so that a command needs no read: the append's expected version
   * still guards it, and a conflict, or a rejection decided on cached state, re-reads the stream.
   */
  readonly cache?: AggregateStateCache<TState>;
}

/**
 * Reads a stream, folds it with `evolve`, asks `decide`, and appends the decision with the version
 * it read as the expected version. Concurrent writers make the append fail; then it tries again
 * on fresh state, a bounded number of times.
 */
export class CommandHandler<TCommand, TEvent extends { type: string; data: unknown }, TState> {
  private readonly maxAttempts: number;
  private readonly cache: AggregateStateCache<TState> | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly catalog: EventCatalog,
    private readonly decider: Decider<TCommand, TEvent, TState>,
    options: CommandHandlerOptions<TState> = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 8;
    this.cache = options.cache;
  }

  async load(streamId: string): Promise<AggregateState<TState>> {
    const { events, currentVersion } = await this.store.readStream(streamId);
    let state = this.decider.initialState();
    for (const recorded of events) state = this.decider.evolve(state, this.toDomainEvent(recorded));
    return { state, version: currentVersion };
  }

  async handle(streamId: string, command: TCommand, options: HandleCommandOptions): Promise<HandleCommandResult<TEvent, TState>> {
    for (let attempt = 1; ; attempt++) {
      const cached = attempt === 1 ? this.cache?.get(streamId) : undefined;
      const { state, version } = cached ?? (await this.load(streamId));
      if (options.expectedVersion !== undefined && options.expectedVersion !== version) {
        if (cached) continue; // another process may have written: judge on fresh state
        throw new ConcurrencyConflict(streamId, String(options.expectedVersion), version || null);
      }
      let events: TEvent[];
      try {
        events = this.decider.decide(command, state);
      } catch (error) {
        if (cached && error instanceof DomainError) continue; // only a fresh state may reject
        throw error;
      }
      if (events.length === 0) {
        if (!cached) this.cache?.set(streamId, { state, version });
        return { events, state, version, append: null };
      }
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
        if (append.idempotentReplay) this.cache?.delete(streamId);
        else this.cache?.set(streamId, { state: newState, version: append.nextExpectedVersion });
        return { events, state: newState, version: append.nextExpectedVersion, append };
      } catch (error) {
        this.cache?.delete(streamId);
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
