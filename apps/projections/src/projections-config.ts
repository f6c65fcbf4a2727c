import { BaseServiceConfig, EnvInt } from '@stockflow/platform';

/** Environment of the projections service (see BaseServiceConfig for the common variables). */
export class ProjectionsConfig extends BaseServiceConfig {
  override SERVICE_NAME = 'projections';
  override PORT = 3005;
  override DB_SCHEMA = 'projections';
  /** One connection per projector's batch transaction, the queries and the rebuild. */
  override DB_POOL_MAX = 10;

  /** `/health/ready` fails while any projection is more events than this behind its stream. */
  @EnvInt({ min: 1, max: 100_000_000 })
  PROJECTION_MAX_LAG_EVENTS: number = 10_000;

  /**
   * With several replicas one runs the live projectors (it holds the projections' PostgreSQL lock,
   * ADR 0043) and the others serve reads: how often a standby asks for the lock, so it takes over
   * within about this long after the leader dies.
   */
  @EnvInt({ min: 100, max: 60_000 })
  PROJECTIONS_ELECTION_INTERVAL_MS: number = 1000;
}
