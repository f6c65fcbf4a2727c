import type { ServiceMetrics } from '@stockflow/platform';
import { Counter, Gauge, Histogram } from 'prom-client';

/** Where one projection stands: the basis of the lag figures on /metrics and /health/ready. */
export interface ProjectionStatus {
  readonly projection: string;
  readonly stream: string;
  checkpoint: number;
  /** Messages on the stream the projection has not applied (consumer pending + unacknowledged). */
  pendingEvents: number;
  /** `occurredAt` of the last event applied, epoch ms. */
  lastOccurredAtMs: number | null;
  /** When the last batch committed, epoch ms. */
  lastAppliedAtMs: number | null;
  eventsApplied: number;
  deadLetters: number;
}

/** Milliseconds behind the log: how old the last applied event is, while events are still pending. */
export function lagMs(status: ProjectionStatus, now = Date.now()): number {
  if (status.pendingEvents <= 0 || status.lastOccurredAtMs === null) return 0;
  return Math.max(0, now - status.lastOccurredAtMs);
}

export class ProjectionMetrics {
  readonly applied: Counter<'projection'>;
  readonly batches: Counter<'projection'>;
  readonly batchDuration: Histogram<'projection'>;
  /** Events replayed by rebuilds, by projection (a rate is the scraper's to compute). */
  readonly rebuildEvents: Counter<'projection'>;
  /** How long the last rebuild's replay took, by projection. */
  readonly rebuildDuration: Gauge<'projection'>;
  readonly statuses = new Map<string, ProjectionStatus>();

  constructor(readonly service: ServiceMetrics) {
    const registers = [service.registry];
    const statuses = this.statuses;
    this.applied = new Counter({ name: 'projection_events_applied_total', help: 'Events applied to read models, by projection.', labelNames: ['projection'] as const, registers });
    this.batches = new Counter({ name: 'projection_batches_total', help: 'Batches committed, by projection.', labelNames: ['projection'] as const, registers });
    this.batchDuration = new Histogram({
      name: 'projection_batch_duration_seconds',
      help: 'Time to apply and commit one batch, by projection.',
      labelNames: ['projection'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    this.rebuildEvents = new Counter({ name: 'projection_rebuild_events_total', help: 'Events replayed by rebuilds, by projection.', labelNames: ['projection'] as const, registers });
    this.rebuildDuration = new Gauge({
      name: 'projection_rebuild_last_duration_seconds',
      help: "The last rebuild's replay time, by projection.",
      labelNames: ['projection'] as const,
      registers,
    });
    new Gauge({
      name: 'projection_lag_events',
      help: 'Events on the source stream not yet applied, by projection.',
      labelNames: ['projection'] as const,
      registers,
      collect() {
        for (const s of statuses.values()) this.set({ projection: s.projection }, s.pendingEvents);
      },
    });
    new Gauge({
      name: 'projection_lag_seconds',
      help: 'Age of the last applied event while events are pending (0 when caught up), by projection.',
      labelNames: ['projection'] as const,
      registers,
      collect() {
        const now = Date.now();
        for (const s of statuses.values()) this.set({ projection: s.projection }, lagMs(s, now) / 1000);
      },
    });
    new Gauge({
      name: 'projection_checkpoint_sequence',
      help: 'Last source-stream sequence applied, by projection.',
      labelNames: ['projection'] as const,
      registers,
      collect() {
        for (const s of statuses.values()) this.set({ projection: s.projection }, s.checkpoint);
      },
    });
  }

  register(projection: string, stream: string): ProjectionStatus {
    const status: ProjectionStatus = { projection, stream, checkpoint: 0, pendingEvents: 0, lastOccurredAtMs: null, lastAppliedAtMs: null, eventsApplied: 0, deadLetters: 0 };
    this.statuses.set(projection, status);
    return status;
  }

  /** The lag of every projection, as shown in /health/ready. */
  snapshot(now = Date.now()): Record<string, { checkpoint: number; lagEvents: number; lagMs: number; eventsApplied: number; deadLetters: number }> {
    const out: Record<string, { checkpoint: number; lagEvents: number; lagMs: number; eventsApplied: number; deadLetters: number }> = {};
    for (const s of this.statuses.values()) {
      out[s.projection] = { checkpoint: s.checkpoint, lagEvents: s.pendingEvents, lagMs: lagMs(s, now), eventsApplied: s.eventsApplied, deadLetters: s.deadLetters };
    }
    return out;
  }
}
