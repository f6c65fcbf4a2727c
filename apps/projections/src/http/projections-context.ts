import type { DeadLetterSummary, ReplayResult } from '@stockflow/messaging';
import type { Pool } from 'pg';
import type { ChangeFeed } from '../engine/change-feed.js';
import type { ProjectionMetrics } from '../engine/projection-metrics.js';
import type { RebuildReport } from '../engine/rebuild-all.js';

/** What the controllers need, provided by `startProjectionsService`. */
export abstract class ProjectionsContext {
  abstract readonly pool: Pool;
  /** Quoted schema identifier. */
  abstract readonly schema: string;
  abstract readonly changes: ChangeFeed;
  abstract readonly metrics: ProjectionMetrics;
  abstract rebuild(): Promise<RebuildReport>;
  /** Dead letters per consumer, read from the dead-letter stream. */
  abstract deadLetters(): Promise<DeadLetterSummary[]>;
  /** Sends every dead letter of a consumer back to it (ADR 0036). */
  abstract replayDeadLetters(consumer: string): Promise<ReplayResult>;
}
