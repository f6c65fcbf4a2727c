import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { contextSubjectPrefix, type EventCatalog, type SubjectScheme } from '@stockflow/contracts';
import { contextStreamSpec, DurableEventConsumer, PoisonMessageError, type EventBatch, type RetryPolicy } from '@stockflow/messaging';
import { consumerObserver, type ServiceMetrics } from '@stockflow/platform';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { applyToTable } from './apply-batch.js';
import type { ChangeFeed } from './change-feed.js';
import { ensureCheckpoint, inProjectionTransaction, readCheckpoint } from './checkpoints.js';
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

/**
 * A read model must not miss an event because PostgreSQL was away for a while: a failing batch is
 * retried in place for as long as it takes. Only poison (undecodable, or refused by PostgreSQL as
 * bad data) is dead-lettered.
 */
const LIVE_RETRY: RetryPolicy = { maxDeliveries: Number.POSITIVE_INFINITY, backoffMs: [100, 250, 500, 1000, 2000, 5000] };

/** The durable consumer name of a projection. */
export const durableName = (projection: string): string => `projections-${projection.replace(/_/g, '-')}`;

/** The source stream and subject filter of a read model. */
export function sourceOf(spec: AnyReadModelTable, scheme: SubjectScheme): { stream: string; filter: string } {
  const { projection } = spec;
  return { stream: contextStreamSpec(projection.sourceContext, scheme).name, filter: `${contextSubjectPrefix(projection.sourceContext, scheme)}.${projection.aggregate}.>` };
}

/**
 * Keeps one read model current from its source stream through a batch-mode durable consumer
 * (ADR 0016) whose external checkpoint is the projection's row in `projection_checkpoints`. Each
 * batch is one transaction: lock the projection, read its checkpoint, apply the events above it,
 * move the checkpoint to the batch's last sequence (ADR 0011: four round trips); the consumer
 * acknowledges after the commit. A redelivered event at or below the checkpoint is skipped.
 */
export class LiveProjector {
  readonly status: ProjectionStatus;
  private readonly consumer: DurableEventConsumer;

  constructor(
    private readonly deps: ProjectorDeps,
    readonly spec: AnyReadModelTable,
  ) {
    const { stream, filter } = sourceOf(spec, deps.scheme);
    const durable = durableName(spec.projection.name);
    const status = deps.metrics.register(spec.projection.name, stream);
    this.status = status;
    const metrics = consumerObserver(deps.serviceMetrics, deps.logger, durable);
    this.consumer = new DurableEventConsumer({
      js: deps.js,
      jsm: deps.jsm,
      catalog: deps.catalog,
      scheme: deps.scheme,
      stream,
      sourceStream: contextStreamSpec(spec.projection.sourceContext, deps.scheme),
      durable,
      filterSubject: filter,
      retry: LIVE_RETRY,
      ackWaitMs: 60_000,
      batch: { maxMessages: BATCH_SIZE, checkpoint: () => this.startingCheckpoint(stream), handler: (batch) => this.applyBatch(batch) },
      observer: {
        handled: (outcome, reason, count = 1) => {
          metrics.handled(outcome, reason, count);
          if (outcome === 'dead-letter') status.deadLetters += count;
        },
        pending: (messages) => {
          metrics.pending(messages);
          status.pendingEvents = messages;
        },
        error: metrics.error,
      },
    });
  }

  start(): Promise<void> {
    return this.consumer.start();
  }

  stop(): Promise<void> {
    return this.consumer.stop();
  }

  private async startingCheckpoint(stream: string): Promise<number> {
    const { pool, schema } = this.deps;
    await ensureCheckpoint(pool, schema, this.spec.projection.name, stream);
    this.status.checkpoint = await readCheckpoint(pool, schema, this.spec.projection.name);
    return this.status.checkpoint;
  }

  private async applyBatch({ events, lastSequence }: EventBatch): Promise<void> {
    const { pool, schema, metrics, changes } = this.deps;
    const name = this.spec.projection.name;
    const started = performance.now();
    const result = await inProjectionTransaction(pool, schema, name, async (client, checkpoint) => {
      if (lastSequence <= checkpoint) return null;
      const fresh = events.filter((event) => event.sequence > checkpoint);
      const rows = await applyToTable(client, schema, this.spec, fresh, { advance: { projection: name, sequence: lastSequence, applied: fresh.length } });
      return { rows, applied: fresh.length, lastEvent: fresh[fresh.length - 1] };
    }).catch((error: unknown) => {
      // PostgreSQL refusing the data (class 22: out of range, bad text…) refuses it every time.
      throw typeof (error as { code?: unknown }).code === 'string' && (error as { code: string }).code.startsWith('22')
        ? new PoisonMessageError(`read model ${name} refused the data: ${(error as Error).message}`)
        : error;
    });
    if (!result) return;
    const status = this.status;
    status.checkpoint = lastSequence;
    status.eventsApplied += result.applied;
    status.lastAppliedAtMs = Date.now();
    if (result.lastEvent) status.lastOccurredAtMs = Date.parse(result.lastEvent.occurredAt);
    metrics.applied.inc({ projection: name }, result.applied);
    metrics.batches.inc({ projection: name });
    metrics.batchDuration.observe({ projection: name }, (performance.now() - started) / 1000);
    if (result.rows.length > 0) changes.publish({ view: name, rows: result.rows, sequence: lastSequence, at: new Date().toISOString() });
  }
}
