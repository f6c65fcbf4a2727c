import {
  ANY,
  BACKWARDS,
  END,
  FORWARDS,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  UnavailableError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type AppendResult,
  type AppendToStreamOptions,
  type EventData,
  type Position,
  type ReadAllOptions,
  type ReadStreamOptions,
  type ResolvedEvent,
  type SubscribeToAllOptions,
} from '@eventstore/db-client';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { EsdbClient } from '../eventstoredb-event-store.js';

/**
 * An in-process stand-in for EventStoreDBClient, for tests on machines without a server. It models
 * the server behaviour the adapter relies on, as documented for EventStoreDB 22.6+ — it is a model,
 * not the server: what passes against it still has to pass the contract suite on a real server.
 *
 * - One writer: `$all` order is append order; every event has its own position (commit = prepare).
 * - Expected revisions and idempotency: with an exact revision (or no_stream) below the current one
 *   the ids at the following revisions are compared — all equal is an idempotent success, anything
 *   else WrongExpectedVersion; with any/stream_exists a cache of committed ids decides (first id
 *   unknown → write; all known, same stream, in order → idempotent; else WrongExpectedVersion).
 *   Ids are only unique per stream.
 * - Reads of `$all` forwards start AT the given position (inclusive), backwards strictly before it.
 * - Subscriptions to `$all` start strictly after the position and apply the server-side filter: a
 *   regex or prefixes, on the event type or on the stream name.
 * - The server writes system events (`$statsCollected` in `$stats-…`) between client appends.
 */
export class SimulatedEsdbClient {
  private readonly log: StoredRecord[] = [];
  private readonly streams = new Map<string, StoredRecord[]>();
  private readonly committedIds = new Map<string, { streamId: string; revision: bigint }>();
  private readonly subscriptions = new Set<SimulatedSubscription>();
  private nextLogPosition = 4_096n;
  private appends = 0;
  disposed = false;
  /** While true, every call fails as a client's calls fail when the server cannot be reached (`UnavailableError`). */
  unreachable = false;

  /**
   * `systemEventEvery`: every so many appends the simulated server writes a system event of its own
   * (0 = never). `inclusiveSubscriptionStart`: subscriptions also deliver the event AT their start
   * position (servers are exclusive; the adapter must not depend on it).
   */
  constructor(private readonly options: { systemEventEvery?: number; inclusiveSubscriptionStart?: boolean } = {}) {}

  /** Forgets the committed-id cache, as a server restart or leader change does. */
  forgetCommittedIds(): void {
    this.committedIds.clear();
  }

  /** Writes an event the adapter must not deliver: a system event, or one without the adapter's metadata. */
  writeForeignEvent(kind: 'system' | 'no-metadata' | 'binary'): void {
    if (kind === 'system') this.write('$stats-127.0.0.1:2113', [{ id: randomUUID(), type: '$statsCollected', isJson: true, data: { 'proc-cpu': 1 }, metadata: undefined }]);
    else if (kind === 'no-metadata') this.write(`foreign-${randomUUID()}`, [{ id: randomUUID(), type: 'SomethingElse', isJson: true, data: { a: 1 }, metadata: undefined }]);
    else this.write(`foreign-${randomUUID()}`, [{ id: randomUUID(), type: 'Blob', isJson: false, data: new Uint8Array([1, 2, 3]), metadata: undefined }]);
  }

  async appendToStream(streamName: string, events: EventData | EventData[], options: AppendToStreamOptions = {}): Promise<AppendResult> {
    await tick();
    if (this.unreachable) throw unavailable();
    const list = Array.isArray(events) ? events : [events];
    const expected: AppendExpectedRevision = options.expectedRevision ?? ANY;
    const stream = this.streams.get(streamName) ?? [];
    const current = BigInt(stream.length) - 1n;
    const ids = list.map((e) => e.id);
    const wrong = (): WrongExpectedVersionError =>
      new WrongExpectedVersionError(undefined, { streamName, expected, current: current < 0n ? NO_STREAM : current });

    if (expected === ANY || expected === STREAM_EXISTS) {
      if (expected === STREAM_EXISTS && stream.length === 0) throw wrong();
      const first = this.committedIds.get(ids[0]!);
      if (first && first.streamId === streamName) {
        const all = ids.every((id, i) => {
          const known = this.committedIds.get(id);
          return known?.streamId === streamName && known.revision === first.revision + BigInt(i);
        });
        if (!all) throw wrong();
        return this.idempotent(stream, first.revision + BigInt(ids.length) - 1n);
      }
    } else {
      const expectedRevision = expected === NO_STREAM ? -1n : expected;
      if (expectedRevision > current) throw wrong();
      if (expectedRevision < current) {
        const at = stream.slice(Number(expectedRevision) + 1, Number(expectedRevision) + 1 + ids.length);
        if (at.length === ids.length && at.every((r, i) => r.id === ids[i])) return this.idempotent(stream, expectedRevision + BigInt(ids.length));
        throw wrong();
      }
    }
    const written = this.write(
      streamName,
      list.map((e) => ({
        id: e.id,
        type: e.type,
        isJson: e.contentType === 'application/json',
        // The server keeps bytes: JSON round trips, as it does over the wire.
        data: e.contentType === 'application/json' ? JSON.parse(JSON.stringify(e.data)) : e.data,
        metadata: e.metadata === undefined ? undefined : JSON.parse(JSON.stringify(e.metadata)),
      })),
    );
    const last = written[written.length - 1]!;
    if (this.options.systemEventEvery && ++this.appends % this.options.systemEventEvery === 0) this.writeForeignEvent('system');
    return { success: true, nextExpectedRevision: last.revision, position: last.position };
  }

  readStream(streamName: string, options: ReadStreamOptions = {}): ReturnType<EsdbClient['readStream']> {
    if (this.unreachable) return readable([], unavailable()) as ReturnType<EsdbClient['readStream']>;
    const stream = this.streams.get(streamName);
    if (!stream || stream.length === 0) return readable([], new StreamNotFoundError(undefined, streamName)) as ReturnType<EsdbClient['readStream']>;
    const { fromRevision = START, maxCount = Number.MAX_SAFE_INTEGER, direction = FORWARDS } = options;
    let selected: StoredRecord[];
    if (direction === BACKWARDS) {
      const from = fromRevision === END ? BigInt(stream.length - 1) : fromRevision === START ? 0n : fromRevision;
      selected = stream.filter((r) => r.revision <= from).reverse();
    } else {
      const from = fromRevision === START ? 0n : fromRevision === END ? BigInt(stream.length) : fromRevision;
      selected = stream.filter((r) => r.revision >= from);
    }
    // Stream reads: the recorded event carries its position (22.6+), the resolved event no commit position.
    const events: ResolvedEvent[] = selected.slice(0, Number(maxCount)).map((r) => ({ event: recordedEvent(r) as ResolvedEvent['event'] }));
    return readable(events) as ReturnType<EsdbClient['readStream']>;
  }

  readAll(options: ReadAllOptions = {}): ReturnType<EsdbClient['readAll']> {
    if (this.unreachable) return readable([], unavailable()) as ReturnType<EsdbClient['readAll']>;
    const { fromPosition = START, maxCount = Number.MAX_SAFE_INTEGER, direction = FORWARDS } = options;
    let selected: StoredRecord[];
    if (direction === BACKWARDS) {
      selected = (fromPosition === END ? this.log : fromPosition === START ? [] : this.log.filter((r) => before(r.position, fromPosition))).slice().reverse();
    } else {
      selected = fromPosition === START ? this.log : fromPosition === END ? [] : this.log.filter((r) => !before(r.position, fromPosition));
    }
    return readable(selected.slice(0, Number(maxCount)).map(allStreamEvent)) as ReturnType<EsdbClient['readAll']>;
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): ReturnType<EsdbClient['subscribeToAll']> {
    const { fromPosition = START, filter } = options;
    const subscription = new SimulatedSubscription(serverSideFilter(filter), () => this.subscriptions.delete(subscription));
    setImmediate(() => {
      if (subscription.destroyed || subscription.unsubscribed) return;
      const from = fromPosition;
      for (const record of this.log) {
        if (from === END) continue;
        if (from !== START && before(record.position, from)) continue;
        if (from !== START && !this.options.inclusiveSubscriptionStart && !after(record.position, from)) continue;
        subscription.deliver(record);
      }
      this.subscriptions.add(subscription);
    });
    return subscription as unknown as ReturnType<EsdbClient['subscribeToAll']>;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const subscription of this.subscriptions) await subscription.unsubscribe();
  }

  /** Narrowed to the methods the store uses. */
  asClient(): EsdbClient {
    return this as unknown as EsdbClient;
  }

  private idempotent(stream: StoredRecord[], lastRevision: bigint): AppendResult {
    const last = stream[Number(lastRevision)]!;
    return { success: true, nextExpectedRevision: lastRevision, position: last.position };
  }

  private write(streamId: string, events: Omit<StoredRecord, 'streamId' | 'revision' | 'position' | 'created'>[]): StoredRecord[] {
    const stream = this.streams.get(streamId) ?? [];
    this.streams.set(streamId, stream);
    const written = events.map((e) => {
      const position = { commit: this.nextLogPosition, prepare: this.nextLogPosition };
      this.nextLogPosition += 137n + BigInt(JSON.stringify(e.data ?? null).length);
      const record: StoredRecord = { ...e, streamId, revision: BigInt(stream.length), position, created: new Date() };
      stream.push(record);
      this.log.push(record);
      this.committedIds.set(e.id, { streamId, revision: record.revision });
      return record;
    });
    for (const subscription of this.subscriptions) for (const record of written) subscription.deliver(record);
    return written;
  }
}

interface StoredRecord {
  readonly streamId: string;
  readonly id: string;
  readonly type: string;
  readonly isJson: boolean;
  readonly revision: bigint;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly position: Position;
  readonly created: Date;
}

class SimulatedSubscription extends Readable {
  unsubscribed = false;

  constructor(
    private readonly accepts: (record: StoredRecord) => boolean,
    private readonly onEnd: () => void,
  ) {
    super({ objectMode: true });
  }

  deliver(record: StoredRecord): void {
    if (!this.unsubscribed && this.accepts(record)) this.push(allStreamEvent(record));
  }

  override _read(): void {}

  async unsubscribe(): Promise<void> {
    if (this.unsubscribed) return;
    this.unsubscribed = true;
    this.onEnd();
    await tick();
    this.push(null);
  }
}

/** What a `$all` subscription's filter lets through (the server's: regex or prefixes, on type or stream). */
function serverSideFilter(filter: SubscribeToAllOptions['filter']): (record: StoredRecord) => boolean {
  if (!filter) return () => true;
  const field = (record: StoredRecord): string => (filter.filterOn === 'streamName' ? record.streamId : record.type);
  if ('prefixes' in filter) return (record) => filter.prefixes.some((prefix) => field(record).startsWith(prefix));
  const regex = new RegExp(filter.regex);
  return (record) => regex.test(field(record));
}

function recordedEvent(r: StoredRecord): Record<string, unknown> {
  return { streamId: r.streamId, id: r.id, isJson: r.isJson, revision: r.revision, type: r.type, created: r.created, data: r.data, metadata: r.metadata, position: r.position };
}

function allStreamEvent(r: StoredRecord): AllStreamResolvedEvent {
  return { event: recordedEvent(r) as unknown as AllStreamResolvedEvent['event'], commitPosition: r.position.commit };
}

/** A finished read; `error` is raised after the events, as the client raises StreamNotFound. */
function readable(items: readonly unknown[], error?: Error): Readable & { cancel(): Promise<void> } {
  const queue = [...items];
  const stream = new Readable({
    objectMode: true,
    read() {
      if (queue.length > 0) this.push(queue.shift());
      else if (error) this.destroy(error);
      else this.push(null);
    },
  }) as Readable & { cancel(): Promise<void> };
  stream.cancel = async () => {
    stream.destroy();
  };
  return stream;
}

function before(a: Position, b: Position): boolean {
  return a.commit < b.commit || (a.commit === b.commit && a.prepare < b.prepare);
}

function after(a: Position, b: Position): boolean {
  return a.commit > b.commit || (a.commit === b.commit && a.prepare > b.prepare);
}

/** What the client raises when no server answers (gRPC UNAVAILABLE). */
function unavailable(): UnavailableError {
  return new UnavailableError(undefined, '14 UNAVAILABLE: No connection established (simulated)');
}

function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
