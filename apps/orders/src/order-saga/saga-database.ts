import type { OnApplicationShutdown } from '@nestjs/common';
import { stockflowCatalog } from '@stockflow/contracts';
import { meteredEventStore, postgresReadinessCheck, type ReadinessChecks, type ServiceMetrics } from '@stockflow/platform';
import { createPool, PostgresEventStore } from '@stockflow/postgres';
import type { Pool } from 'pg';
import type { OrdersConfig } from '../orders-config.js';
import { OrderCommands } from '../shared/order-commands.js';
import { SagaDeadlines } from './saga-deadlines.js';

/** One connection per flow that may query at once: three consumers and the sweeper. */
const SAGA_POOL_SIZE = 4;

/**
 * The saga's own connections to the service's schema (a bulkhead). The consumers handle one
 * message at a time, each with a few queries in a row; on the HTTP pool those queries would wait
 * behind every queued request (a burst of GETs), and the saga would crawl exactly when it is busy.
 */
export class SagaDatabase implements OnApplicationShutdown {
  private constructor(
    readonly pool: Pool,
    /** The service's schema, metered like the HTTP side's store. */
    readonly store: PostgresEventStore,
    readonly deadlines: SagaDeadlines,
    /** The Order commands the saga issues (confirm, reject), on this pool. */
    readonly orders: OrderCommands,
  ) {}

  static async open(config: OrdersConfig, metrics: ServiceMetrics, readiness: ReadinessChecks): Promise<SagaDatabase> {
    const pool = createPool({ connectionString: config.DATABASE_URL, max: SAGA_POOL_SIZE, applicationName: 'orders-saga' });
    try {
      const store = meteredEventStore(await PostgresEventStore.create({ pool, schema: config.DB_SCHEMA, catalog: stockflowCatalog }), metrics);
      const deadlines = await SagaDeadlines.create(pool, config.DB_SCHEMA);
      readiness.register('sagaPostgres', postgresReadinessCheck(pool));
      return new SagaDatabase(pool, store, deadlines, new OrderCommands(store));
    } catch (error) {
      await pool.end();
      throw error;
    }
  }

  /** After the consumers have stopped (Nest closes them before the shutdown hooks). */
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
