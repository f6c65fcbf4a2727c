import { Module, type DynamicModule } from '@nestjs/common';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { stockflowCatalog, type SubjectScheme } from '@stockflow/contracts';
import { connectNats } from '@stockflow/messaging';
import { createService, ServiceMetrics, type Service } from '@stockflow/platform';
import { createPool, migrate, quoteSchema } from '@stockflow/postgres';
import { ChangeFeed } from './engine/change-feed.js';
import { LiveProjector, type ProjectorDeps } from './engine/live-projector.js';
import { ProjectionMetrics } from './engine/projection-metrics.js';
import { rebuildAll, type RebuildReport } from './engine/rebuild-all.js';
import { projectionMigrations, READ_MODEL_TABLES } from './engine/read-model-tables.js';
import { AdminController } from './http/admin.controller.js';
import { ProjectionsContext } from './http/projections-context.js';
import { StreamController } from './http/stream.controller.js';
import { ViewsController } from './http/views.controller.js';
import type { ProjectionsConfig } from './projections-config.js';

export interface RunningProjections {
  readonly service: Service;
  readonly url: string;
  readonly projectors: readonly LiveProjector[];
  readonly changes: ChangeFeed;
  rebuild(): Promise<RebuildReport>;
  stop(): Promise<void>;
}

@Module({})
class ProjectionsModule {
  static forRoot(context: ProjectionsContext): DynamicModule {
    return {
      module: ProjectionsModule,
      controllers: [ViewsController, StreamController, AdminController],
      providers: [{ provide: ProjectionsContext, useValue: context }],
    };
  }
}

export interface RunProjectionsOptions {
  /** Overrides config.PORT (0 = any free port). */
  readonly port?: number;
  /** Stop on SIGTERM/SIGINT. Default true. */
  readonly handleSignals?: boolean;
}

/**
 * The projections service: read models in its own schema, fed by one durable consumer per
 * projection, the query API, the SSE change stream and the rebuild endpoint.
 */
export async function runProjectionsService(config: ProjectionsConfig, options: RunProjectionsOptions = {}): Promise<RunningProjections> {
  const name = 'projections';
  const schema = quoteSchema(config.DB_SCHEMA);
  const pool = createPool({ connectionString: config.DATABASE_URL, max: 10, applicationName: name });
  await migrate(pool, config.DB_SCHEMA, projectionMigrations);
  const nats = await connectNats({ url: config.NATS_URL, name, user: config.NATS_USER, password: config.NATS_PASSWORD });
  const scheme: SubjectScheme = config.NATS_NAMESPACE ? { namespace: config.NATS_NAMESPACE } : {};
  const serviceMetrics = new ServiceMetrics();
  const metrics = new ProjectionMetrics(serviceMetrics);
  const changes = new ChangeFeed();
  const js = jetstream(nats);
  const jsm = await jetstreamManager(nats);
  let service: Service | undefined;
  const projectors: LiveProjector[] = [];
  const closeConnections = async (): Promise<void> => {
    await nats.drain().catch(() => undefined);
    await pool.end().catch(() => undefined);
  };
  try {
    // Filled once the service (and its logger) exists; the rebuild endpoint cannot run before.
    const wiring: { deps?: ProjectorDeps } = {};
    const rebuild = (): Promise<RebuildReport> =>
      rebuildAll(wiring.deps!, (result) => {
        metrics.rebuildRate.set({ projection: result.projection }, result.eventsPerSecond);
        service?.logger.info({ ...result }, 'projection rebuilt and swapped in');
        changes.publish({ view: 'rebuild', rows: [result], sequence: result.checkpoint, at: new Date().toISOString() });
      });
    const context: ProjectionsContext = { pool, schema, changes, metrics, rebuild };
    service = await createService({
      name,
      config,
      port: options.port,
      module: ProjectionsModule.forRoot(context),
      openApi: { title: 'Projections', version: '1.0.0', description: 'Read models of stockflow, rebuilt from the event streams' },
      pool,
      nats,
      metrics: serviceMetrics,
      shutdownHooks: false,
      readinessChecks: {
        projectionLag: async () => {
          const lag = metrics.snapshot();
          const healthy = Object.values(lag).every((p) => p.lagEvents <= config.PROJECTION_MAX_LAG_EVENTS);
          return { healthy, details: { maxLagEvents: config.PROJECTION_MAX_LAG_EVENTS, projections: lag } };
        },
      },
    });
    const deps: ProjectorDeps = { js, jsm, pool, schema, scheme, catalog: stockflowCatalog, changes, metrics, serviceMetrics, logger: service.logger };
    wiring.deps = deps;
    for (const spec of READ_MODEL_TABLES) projectors.push(new LiveProjector(deps, spec));
    for (const projector of projectors) await projector.start();
    const url = await service.listen();
    let stopped: Promise<void> | undefined;
    const running: RunningProjections = {
      service,
      url,
      projectors,
      changes,
      rebuild,
      stop: () =>
        (stopped ??= (async () => {
          for (const projector of projectors) await projector.stop();
          await service!.close();
          await closeConnections();
        })()),
    };
    if (options.handleSignals ?? true) {
      const onSignal = (): void => void running.stop().then(() => process.exit(0));
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
    }
    return running;
  } catch (error) {
    for (const projector of projectors) await projector.stop().catch(() => undefined);
    await service?.close().catch(() => undefined);
    await closeConnections();
    throw error;
  }
}
