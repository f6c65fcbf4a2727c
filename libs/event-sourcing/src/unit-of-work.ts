import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { deterministicEventId } from './deterministic-event-id.js';
import type { EventStore, EventStoreTransaction } from './event-store.js';

/** What `UnitOfWork.finish` runs in the unit's transaction, just before it commits. */
export type FinishWork<TConnection = unknown> = (tx: EventStoreTransaction<TConnection>) => Promise<void>;

interface OpenTransaction {
  readonly store: EventStore<unknown>;
  readonly tx: EventStoreTransaction<unknown>;
  /** Settles when the transaction has committed or rolled back. */
  readonly settled: Promise<void>;
  finish(work: FinishWork<unknown>): void;
  abort(error: unknown): void;
}

/**
 * The writes of one caller's piece of work (an HTTP request with an `Idempotency-Key`) that must
 * commit together with something the caller records only after the command returned (the answer it
 * will send). While a unit is current (`runInUnitOfWork`), `CommandHandler.handle` appends in the
 * unit's transaction: the first append opens it on the handler's store (a conflict there rolls it
 * back and is retried as usual), later appends of the same work join it, and it stays open until
 * the caller's `finish` has run its own statements in it and committed — or `abort` rolled it back.
 *
 * A store without `capabilities.transactions` is never enlisted: the handler appends as it would
 * without a unit, and `finish` reports that nothing was held (`false`).
 */
export interface UnitOfWorkOptions {
  /**
   * Runs in the transaction right after the append that opened it (e.g. a statement that bounds how
   * long the transaction may stay open while its owner does not answer).
   */
  readonly onOpen?: (tx: EventStoreTransaction<unknown>) => Promise<void>;
  /**
   * Names the work for good (e.g. an Idempotency-Key and its request). On a store without
   * transactions, where nothing can be held open, the handler derives its events' ids from it, so a
   * repeat of the work after a crash finds the events the first run appended and appends nothing
   * (ADR 0046).
   */
  readonly replayKey?: string;
}

export class UnitOfWork {
  private open: OpenTransaction | undefined;
  private readonly committedCallbacks: (() => void)[] = [];
  private state: 'running' | 'finished' | 'aborted' = 'running';

  private appends = 0;
  private ids = 0;

  constructor(private readonly options: UnitOfWorkOptions = {}) {}

  /**
   * The name of the unit's next command on a store that cannot enlist it (`<replayKey>/<n>`), or
   * undefined without a replay key. Deterministic as long as the work runs its commands in the same
   * order each time, as a request's handler does.
   */
  nextReplayName(): string | undefined {
    return this.options.replayKey === undefined ? undefined : `${this.options.replayKey}/${this.appends++}`;
  }

  /** Whether commands of the unit appended under replay names: a repeat of the work finds what they wrote. */
  get named(): boolean {
    return this.appends > 0;
  }

  /** See `newResourceId`: the unit's n-th new id, derived from its replay key, or random without one. */
  nextResourceId(): string {
    return this.options.replayKey === undefined ? randomUUID() : deterministicEventId(`${this.options.replayKey}/resource`, this.ids++);
  }

  /** Whether an append already opened the unit's transaction (a later append joins it and is not retried on a conflict). */
  get isOpen(): boolean {
    return this.open !== undefined;
  }

  /** Whether the handler can append through the unit on `store`. */
  canEnlist(store: EventStore<unknown>): boolean {
    return this.state === 'running' && store.capabilities.transactions && (this.open === undefined || this.open.store === store);
  }

  /**
   * Runs `work` (an append) in the unit's transaction, opening it on `store` when it is not open yet.
   * When `work` throws before the transaction was open, it is rolled back and the unit stays closed.
   */
  async enlist<T, TConnection>(store: EventStore<TConnection>, work: (tx: EventStoreTransaction<TConnection>) => Promise<T>): Promise<T> {
    if (!this.canEnlist(store as EventStore<unknown>)) throw new Error('this unit of work cannot take an append on that store');
    if (this.open) return work(this.open.tx as EventStoreTransaction<TConnection>);
    return new Promise<T>((resolve, reject) => {
      let finishWith: (work: FinishWork<unknown>) => void = () => undefined;
      let abortWith: (error: unknown) => void = () => undefined;
      const finishing = new Promise<FinishWork<unknown>>((done, fail) => {
        finishWith = done;
        abortWith = fail;
      });
      let opened = false;
      const settled = store.withTransaction(async (tx) => {
        const result = await work(tx);
        await this.options.onOpen?.(tx as EventStoreTransaction<unknown>);
        opened = true;
        this.open = { store: store as EventStore<unknown>, tx: tx as EventStoreTransaction<unknown>, settled, finish: finishWith, abort: abortWith };
        resolve(result);
        const final = await finishing;
        await final(tx as EventStoreTransaction<unknown>);
      });
      settled.catch((error: unknown) => {
        if (!opened) reject(error);
      });
    });
  }

  /** Runs `callback` once the unit's transaction has committed (at once when there is none). */
  onCommitted(callback: () => void): void {
    this.committedCallbacks.push(callback);
  }

  /**
   * Runs `work` in the open transaction and commits it. Returns false, running nothing, when no
   * append opened one (the caller then records on its own connection). Throws when the commit fails.
   */
  async finish(work: FinishWork<unknown>): Promise<boolean> {
    if (this.state !== 'running') throw new Error(`this unit of work is already ${this.state}`);
    this.state = 'finished';
    const open = this.open;
    if (!open) {
      this.runCommitted();
      return false;
    }
    open.finish(work);
    await open.settled;
    this.runCommitted();
    return true;
  }

  /** Rolls the open transaction back (nothing happens when there is none). Never throws. */
  async abort(error: unknown): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'aborted';
    const open = this.open;
    if (!open) return;
    open.abort(error);
    await open.settled.catch(() => undefined);
  }

  private runCommitted(): void {
    for (const callback of this.committedCallbacks.splice(0)) callback();
  }
}

const current = new AsyncLocalStorage<UnitOfWork>();

/** Runs `work` with `unit` as the current unit of work of every command handled in it. */
export function runInUnitOfWork<T>(unit: UnitOfWork, work: () => T): T {
  return current.run(unit, work);
}

/** The unit of work the current call runs in, if any. */
export function currentUnitOfWork(): UnitOfWork | undefined {
  return current.getStore();
}

/**
 * The id of a resource a command creates (an order, a cart). Inside a unit of work with a replay key
 * (an Idempotency-Key request) it follows from the key, so a repeat of the request after a crash
 * names the same resource, and its command finds the events the first run appended (ADR 0046);
 * elsewhere it is random.
 */
export function newResourceId(): string {
  return current.getStore()?.nextResourceId() ?? randomUUID();
}
