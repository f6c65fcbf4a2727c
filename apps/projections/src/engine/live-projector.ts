import { AckPolicy, DeliverPolicy, type ConsumerConfig, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { contextSubjectPrefix, type EventCatalog, type SubjectScheme } from '@stockflow/contracts';
import { contextStreamSpec, deadLetterStreamSpec, deadLetterSubjectPrefix, ensureStream, isNotFound, publishDeadLetter } from '@stockflow/messaging';
import type { ServiceMetrics } from '@stockflow/platform';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { ProjectedEvent } from '../domain/index.js';
import { applyToTable } from './apply-batch.js';
import type { ChangeFeed } from './change-feed.js';
import { ensureCheckpoint, inProjectionTransaction, readCheckpoint } from './checkpoints.js';
import { decodeEnvelope, type Decoded } from './decode.js';
import type { ProjectionMetrics, ProjectionStatus } from './projection-metrics.js';
import type { AnyReadModelTable } from './read-model-tables.js';

export interface ProjectorDeps {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly pool: Pool;
  /** Quoted schema identifier. */
  readonly schema: string;
  readonly scheme: SubjectScheme;
  readonly catalog: EventCatalog;
  readonly changes: ChangeFeed;
  readonly metrics: ProjectionMetrics;
  readonly serviceMetrics: ServiceMetrics;
  readonly logger: Logger;
}

export const BATCH_SIZE = 1000;
const RETRY_DELAYS_MS = [100, 250, 500, 1000, 2000, 5000];

/** The durable consumer name of a projection. */
export const durableName = (projection: string): string => `projections-${projection.replace(/_/g, '-')}`;

/** The source stream and subject filter of a read model. */
export function sourceOf(spec: AnyReadModelTable, scheme: SubjectScheme): { stream: string; filter: string } {
  const { projection } = spec;
  return { stream: contextStreamSpec(projection.sourceContext, scheme).name, filter: `${contextSubjectPrefix(projection.sourceContext, scheme)}.${projection.aggregate}.>` };
}

/**
 * Keeps one read model current from its source stream. A durable pull consumer feeds a buffer; the
 * apply loop takes whatever is buffered (up to 1000 messages) and, in ONE transaction, locks the
 * projection, reads its checkpoint, applies the messages above it, and moves the checkpoint to the
 * last sequence; only then are the messages acknowledged. A crash never half-applies a batch; a
 * redelivered message at or below the checkpoint is skipped. A failing batch is retried in place
 * (never nak'ed, which would let later messages overtake it).
 */
export class LiveProjector {
  private messages: ConsumerMessages | null = null;
  private buffer: JsMsg[] = [];
  private wake: (() => void) | null = null;
  private stopping = false;
  private readers: Promise<void>[] = [];
  private pendingTimer: NodeJS.Timeout | null = null;
  readonly status: ProjectionStatus;
  private readonly stream: string;
  private readonly filter: string;
  private readonly durable: string;

  constructor(
    private readonly deps: ProjectorDeps,
    readonly spec: AnyReadModelTable,
  ) {
    const source = sourceOf(spec, deps.scheme);
    this.stream = source.stream;
    this.filter = source.filter;
    this.durable = durableName(spec.projection.name);
    this.status = deps.metrics.register(spec.projection.name, this.stream);
  }

  async start(): Promise<void> {
    const { js, jsm, pool, schema } = this.deps;
    await ensureStream(jsm, deadLetterStreamSpec(this.deps.scheme));
    await ensureStream(jsm, contextStreamSpec(this.spec.projection.sourceContext, this.deps.scheme));
    await ensureCheckpoint(pool, schema, this.spec.projection.name, this.stream);
    await this.ensureConsumer();
    const consumer = await js.consumers.get(this.stream, this.durable);
    this.stopping = false;
    this.messages = await consumer.consume({ max_messages: BATCH_SIZE });
    const messages = this.messages;
    this.readers = [
      (async () => {
        for await (const msg of messages) {
          this.buffer.push(msg);
          this.wake?.();
        }
      })(),
      this.applyLoop(),
    ];
    await this.refreshPending();
    this.pendingTimer = setInterval(() => void this.refreshPending(), 1000);
    this.pendingTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.pendingTimer) clearInterval(this.pendingTimer);
    await this.messages?.close();
    this.wake?.();
    await Promise.allSettled(this.readers);
    for (const msg of this.buffer.splice(0)) msg.nak();
    this.messages = null;
  }

  /**
   * (Re)creates the durable consumer at the checkpoint + 1. The checkpoint in PostgreSQL is the
   * truth; the consumer's own ack state is not trusted across restarts: after a crash the server
   * would redeliver the dead process's unacknowledged messages only after the ack wait, behind newer
   * ones, and those would then be below the checkpoint and lost. One live instance per projection.
   */
  private async ensureConsumer(): Promise<void> {
    const { jsm, pool, schema } = this.deps;
    const checkpoint = await readCheckpoint(pool, schema, this.spec.projection.name);
    this.status.checkpoint = checkpoint;
    try {
      await jsm.consumers.delete(this.stream, this.durable);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const config: Partial<ConsumerConfig> = {
      durable_name: this.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: checkpoint + 1,
      ack_wait: 60_000 * 1_000_000,
      max_deliver: -1,
      max_ack_pending: 4 * BATCH_SIZE,
      filter_subject: this.filter,
    };
    await jsm.consumers.add(this.stream, config);
  }

  /** Pending = not yet delivered + delivered but unacknowledged: the events the read model lacks. */
  private async refreshPending(): Promise<void> {
    try {
      const info = await this.deps.jsm.consumers.info(this.stream, this.durable);
      this.status.pendingEvents = info.num_pending + info.num_ack_pending;
      this.deps.serviceMetrics.consumerLag.set({ consumer: this.durable }, this.status.pendingEvents);
    } catch {
      // NATS briefly away: keep the last figure.
    }
  }

  private async applyLoop(): Promise<void> {
    while (!this.stopping) {
      if (this.buffer.length === 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = null;
        continue;
      }
      const batch = this.buffer.splice(0, BATCH_SIZE);
      for (let attempt = 0; ; attempt++) {
        try {
          await this.applyBatch(batch);
          for (const msg of batch) msg.ack();
          break;
        } catch (error) {
          this.deps.logger.warn({ err: error, projection: this.spec.projection.name, attempt }, 'projection batch failed; retrying');
          if (this.stopping) {
            for (const msg of batch) msg.nak();
            return;
          }
          for (const msg of batch) msg.working();
          await new Promise((r) => setTimeout(r, RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)]));
        }
      }
    }
  }

  private async applyBatch(batch: readonly JsMsg[]): Promise<void> {
    const { pool, schema, catalog, js, metrics, changes } = this.deps;
    const name = this.spec.projection.name;
    const started = performance.now();
    // Sorted and de-duplicated by stream sequence: a redelivery may sit beside its first delivery.
    const bySeq = new Map<number, JsMsg>();
    for (const msg of batch) bySeq.set(msg.seq, msg);
    const ordered = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
    const decoded = ordered.map((msg) => ({ msg, decoded: decodeEnvelope(catalog, msg.data) }));
    const result = await inProjectionTransaction(pool, schema, name, async (client, checkpoint) => {
      const fresh = decoded.filter((d) => d.msg.seq > checkpoint);
      if (fresh.length === 0) return null;
      const events: ProjectedEvent[] = [];
      let deadLettered = 0;
      for (const { msg, decoded: d } of fresh) {
        if (d.ok) events.push(d.event);
        else {
          await this.deadLetter(js, msg, d);
          deadLettered++;
        }
      }
      const last = fresh[fresh.length - 1]!.msg.seq;
      const rows = await applyToTable(client, schema, this.spec, events, { advance: { projection: name, sequence: last, applied: fresh.length } });
      return { rows, last, applied: fresh.length, deadLettered, lastEvent: events[events.length - 1] };
    });
    if (!result) return;
    const status = this.status;
    status.checkpoint = result.last;
    status.eventsApplied += result.applied;
    status.deadLetters += result.deadLettered;
    status.lastAppliedAtMs = Date.now();
    if (result.lastEvent) status.lastOccurredAtMs = Date.parse(result.lastEvent.occurredAt);
    status.pendingEvents = ordered[ordered.length - 1]!.info.pending + this.buffer.length;
    metrics.applied.inc({ projection: name }, result.applied);
    metrics.batches.inc({ projection: name });
    metrics.batchDuration.observe({ projection: name }, (performance.now() - started) / 1000);
    this.deps.serviceMetrics.consumerHandled.inc({ consumer: this.durable, outcome: 'ok' }, result.applied - result.deadLettered);
    if (result.rows.length > 0) changes.publish({ view: name, rows: result.rows, sequence: result.last, at: new Date().toISOString() });
  }

  private async deadLetter(js: JetStreamClient, msg: JsMsg, d: Extract<Decoded, { ok: false }>): Promise<void> {
    await publishDeadLetter(js, deadLetterSubjectPrefix(this.deps.scheme), this.durable, msg, d.reason, d.error);
    this.deps.serviceMetrics.consumerHandled.inc({ consumer: this.durable, outcome: 'dead-letter' });
    this.deps.serviceMetrics.deadLetters.inc({ consumer: this.durable, reason: d.reason });
  }
}
