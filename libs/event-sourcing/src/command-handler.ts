import { randomUUID } from 'node:crypto';
import type { EventCatalog } from '@stockflow/contracts';
import { type AggregateStateCache } from './aggregate-state-cache.js';
import type { Decider } from './decider.js';
import { deterministicEventId } from './deterministic-event-id.js';
import { ConcurrencyConflict, DomainError } from './errors.js';
import type { AppendResult, EventMetadata, EventStore, EventStoreTransaction, EventToAppend, ExpectedVersion, RecordedEvent } from './event-store.js';
import { currentUnitOfWork } from './unit-of-work.js';

/** Who caused a stored event, and its id: what a follow-up names as its cause. */
export interface EventOrigin extends EventMetadata {
  readonly eventId: string;
}

export interface AggregateState<TState> {
  readonly state: TState;
  /** Stream version the state was built from; 0 when the stream does not exist. */
  readonly version: number;
}

export interface HandleCommandOptions<TEvent, TState, TConnection = unknown> {
  /** Carried into every event appended; a function gets the state the decision is made on. */
  readonly metadata: EventMetadata | ((state: TState) => EventMetadata);
  /**
   * The version the caller saw (HTTP If-Match). When given, a conflict is the caller's to resolve
   * and is not retried; when absent the handler re-reads and re-decides on a conflict.
   */
  readonly expectedVersion?: number;
  /**
   * First try without a read when nothing is cached, as if the stream did not exist (for a command
   * that usually starts its stream): the append's `no_stream` check proves it, and a conflict reads.
   */
  readonly assumeNew?: boolean;
  /**
   * The caller's own writes that must commit with the decided events, or not at all: the append then
   * runs in a transaction of the store (which must have `capabilities.transactions`), and this runs
   * in it after the append. Not called when nothing is decided.
   */
  readonly alongside?: (tx: EventStoreTransaction<TConnection>, events: readonly TEvent[]) => Promise<void>;
  /**
   * The caller's own writes that must exist before the decided events do, on a store without
   * transactions (where `alongside` cannot be had): run before every append attempt, so they must be
   * idempotent, and the caller must tolerate them without the events (a crash in between).
   */
  readonly beforeAppend?: (events: readonly TEvent[]) => Promise<void>;
  /**
   * The caller's open transaction: the decision is appended in it (with `alongside`, if given) and
   * commits or rolls back with the caller's work. A conflict is not retried here (the failed
   * statement ends the caller's transaction): it is thrown for the caller to retry whole. The cache
   * is not updated, as the transaction may still roll back.
   */
  readonly within?: EventStoreTransaction<TConnection>;
  /**
   * The state and version the caller already holds (e.g. from a read-model row it locked in
   * `within`): decided on without a read. The append's expected version still guards it, and a
   * rejection made on it re-reads the stream.
   */
  readonly knownState?: AggregateState<TState>;
}

export interface HandleCommandResult<TEvent, TState> {
  readonly events: readonly TEvent[];
  readonly state: TState;
  /** The stream's version after the command (unchanged when it decided nothing). */
  readonly version: number;
  readonly append: AppendResult | null;
}

export interface CommandHandlerOptions<TState, TEvent = unknown> {
  /** Tries per command when concurrent writers keep winning. Default 8. */
  readonly maxAttempts?: number;
  /**
   * Keeps states this process wrote, so that a command needs no read: the append's expected version
   * still guards it, and a conflict, or a decision of nothing or a rejection made on cached state,
   * re-reads the stream.
   */
  readonly cache?: AggregateStateCache<TState>;
  /**
   * Applied after `evolve` to every event folded (read or just appended), with the event's id and
   * metadata: for a process manager whose state remembers which events its follow-ups are caused by.
   */
  readonly recordOrigin?: (state: TState, event: TEvent, origin: EventOrigin) => TState;
}

/**
 * Reads a stream, folds it with `evolve`, asks `decide`, and appends the decision with the version
 * it read as the expected version. Concurrent writers make the append fail; then it tries again
 * on fresh state, a bounded number of times. Inside a `UnitOfWork` (`runInUnitOfWork`, e.g. an HTTP
 * request with an Idempotency-Key) the append goes into the unit's transaction, which commits only
 * with what the caller records after the command (ADR 0022).
 */
export class CommandHandler<TCommand, TEvent extends { type: string; data: unknown }, TState, TConnection = unknown> {
  private readonly maxAttempts: number;
  private readonly cache: AggregateStateCache<TState> | undefined;
  private readonly evolve: (state: TState, event: TEvent, origin: EventOrigin) => TState;

  constructor(
    private readonly store: EventStore<TConnection>,
    private readonly catalog: EventCatalog,
    private readonly decider: Decider<TCommand, TEvent, TState>,
    options: CommandHandlerOptions<TState, TEvent> = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 8;
    this.cache = options.cache;
    const recordOrigin = options.recordOrigin;
    this.evolve = recordOrigin ? (state, event, origin) => recordOrigin(decider.evolve(state, event), event, origin) : (state, event) => decider.evolve(state, event);
  }

  /** The stream's state, read whole from the store (the cache is neither used nor changed). */
  async load(streamId: string): Promise<AggregateState<TState>> {
    const { events, currentVersion } = await this.store.readStream(streamId);
    return { state: this.fold(this.decider.initialState(), events), version: currentVersion };
  }

  /**
   * The stream's current state, always asked of the store (another process may have written), but
   * read only after the cached version when this process has the state cached: a read of a long
   * stream costs what is new. Caches what it read unless a newer state was cached meanwhile.
   */
  async current(streamId: string): Promise<AggregateState<TState>> {
    const cached = this.cache?.get(streamId);
    let fresh: AggregateState<TState>;
    if (cached) {
      const { events, currentVersion } = await this.store.readStream(streamId, { fromPosition: cached.version + 1 });
      const continues = currentVersion >= cached.version && events.length === currentVersion - cached.version;
      if (!continues) this.cache?.delete(streamId); // not a plain continuation of what was cached: start over
      fresh = continues ? { state: this.fold(cached.state, events), version: currentVersion } : await this.load(streamId);
    } else {
      fresh = await this.load(streamId);
    }
    if (this.cache && fresh.version > 0) {
      const now = this.cache.get(streamId);
      if (!now || now.version < fresh.version) this.cache.set(streamId, fresh);
    }
    return fresh;
  }

  async handle(streamId: string, command: TCommand, options: HandleCommandOptions<TEvent, TState, TConnection>): Promise<HandleCommandResult<TEvent, TState>> {
    // A unit of work the store cannot enlist (no transactions) names its commands instead: the
    // events get ids derived from that name, and a repeat finds them in the stream (ADR 0046).
    const outerUnit = options.within ? undefined : currentUnitOfWork();
    const replayName = outerUnit && !this.store.capabilities.transactions ? outerUnit.nextReplayName() : undefined;
    const replayOf = replayName === undefined ? undefined : `${replayName}\0${streamId}`;
    for (let attempt = 1; ; attempt++) {
      const assumed =
        attempt === 1 && replayOf === undefined
          ? (options.knownState ?? this.cache?.get(streamId) ?? (options.assumeNew ? { state: this.decider.initialState(), version: 0 } : undefined))
          : undefined;
      let loaded: AggregateState<TState>;
      if (assumed) loaded = assumed;
      else if (replayOf !== undefined) {
        const { events: recorded, currentVersion } = await this.store.readStream(streamId);
        const replayed = this.replayed(streamId, replayOf, recorded, currentVersion);
        if (replayed) return replayed;
        loaded = { state: this.fold(this.decider.initialState(), recorded), version: currentVersion };
      } else loaded = await this.load(streamId);
      const { state, version } = loaded;
      if (options.expectedVersion !== undefined && options.expectedVersion !== version) {
        if (assumed) continue; // another process may have written: judge on fresh state
        throw new ConcurrencyConflict(streamId, String(options.expectedVersion), version || null);
      }
      let events: TEvent[];
      try {
        events = this.decider.decide(command, state);
      } catch (error) {
        if (assumed && error instanceof DomainError) continue; // only a fresh state may reject
        throw error;
      }
      if (events.length === 0) {
        if (assumed) continue; // only the stream itself may say there is nothing to do
        this.cache?.set(streamId, { state, version });
        return { events, state, version, append: null };
      }
      const metadata = typeof options.metadata === 'function' ? options.metadata(state) : options.metadata;
      const toAppend: EventToAppend[] = events.map((event, i) => ({
        eventId: replayOf === undefined ? randomUUID() : deterministicEventId(replayOf, i),
        type: event.type,
        schemaVersion: this.catalog.currentVersion(event.type),
        data: event.data,
        ...metadata,
      }));
      const expected: ExpectedVersion = version === 0 ? 'no_stream' : version;
      const { alongside, within } = options;
      // The caller's unit of work (an idempotent HTTP request): the append commits with what the
      // caller records after this returns. Joining a transaction an earlier append opened is like
      // `within`: a conflict there is not retried.
      const unit = outerUnit;
      const enlisted = unit?.canEnlist(this.store as EventStore<unknown>) ? unit : undefined;
      const joined = enlisted?.isOpen ?? false;
      try {
        const appendIn = async (tx: EventStoreTransaction<TConnection>): Promise<AppendResult> => {
          const appended = await tx.appendToStream(streamId, toAppend, { expectedVersion: expected });
          if (alongside && !appended.idempotentReplay) await alongside(tx, events);
          return appended;
        };
        await options.beforeAppend?.(events);
        const append = within
          ? await appendIn(within)
          : enlisted
            ? await enlisted.enlist(this.store, appendIn)
            : alongside
              ? await this.store.withTransaction(appendIn)
              : await this.store.appendToStream(streamId, toAppend, { expectedVersion: expected });
        const newState = events.reduce((s, e, i) => this.evolve(s, e, originOf(toAppend[i]!)), state);
        const written = { state: newState, version: append.nextExpectedVersion };
        if (append.idempotentReplay || within) this.cache?.delete(streamId);
        else if (enlisted) {
          // Cached once the unit has committed; until then the stream may still roll back.
          this.cache?.delete(streamId);
          enlisted.onCommitted(() => {
            const cached = this.cache?.get(streamId);
            if (!cached || cached.version < written.version) this.cache?.set(streamId, written);
          });
        } else this.cache?.set(streamId, written);
        return { events, state: newState, version: append.nextExpectedVersion, append };
      } catch (error) {
        this.cache?.delete(streamId);
        const retryable = error instanceof ConcurrencyConflict && options.expectedVersion === undefined && !options.within && !joined && attempt < this.maxAttempts;
        if (!retryable) throw error;
        // Jittered pause so that racing writers do not collide again in lockstep.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * attempt * 2));
      }
    }
  }

  /**
   * The outcome of a command whose events (named by `replayOf`) a first run already appended: the
   * stream's state, with those events as the decision. Null when the stream holds none of them.
   */
  private replayed(streamId: string, replayOf: string, recorded: readonly RecordedEvent[], version: number): HandleCommandResult<TEvent, TState> | null {
    const firstId = deterministicEventId(replayOf, 0);
    const first = recorded.findIndex((event) => event.eventId === firstId);
    if (first < 0) return null;
    const mine: TEvent[] = [];
    for (let i = first; i < recorded.length && recorded[i]!.eventId === deterministicEventId(replayOf, i - first); i++) mine.push(this.toDomainEvent(recorded[i]!));
    const state = this.fold(this.decider.initialState(), recorded);
    this.cache?.set(streamId, { state, version });
    return { events: mine, state, version, append: null };
  }

  private fold(state: TState, events: readonly RecordedEvent[]): TState {
    for (const recorded of events) state = this.evolve(state, this.toDomainEvent(recorded), originOf(recorded));
    return state;
  }

  private toDomainEvent(recorded: RecordedEvent): TEvent {
    const { data } = this.catalog.upcast(recorded.type, recorded.schemaVersion, recorded.data);
    return { type: recorded.type, data } as TEvent;
  }
}

function originOf(event: EventToAppend | RecordedEvent): EventOrigin {
  return { eventId: event.eventId, correlationId: event.correlationId, causationId: event.causationId, traceparent: event.traceparent };
}
