import { Module, type DynamicModule } from '@nestjs/common';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { stockflowCatalog } from '@stockflow/contracts';
import { runService, ServiceMetrics, type OpenApiOptions, type RunningService, type Service, type StartOptions } from '@stockflow/platform';
import { AdvisoryLeadership, quoteSchema } from '@stockflow/postgres';
import { replayDeadLetters, summarizeDeadLetters } from '@stockflow/messaging';
import { ChangeFeed, changeFeedSubject } from './engine/change-feed.js';
import { LiveProjector, type ProjectorDeps } from './engine/live-projector.js';
import { ProjectionMetrics } from './engine/projection-metrics.js';
import { rebuildAll, type RebuildReport } from './engine/rebuild-all.js';
import { projectionMigrations, READ_MODEL_TABLES } from './engine/read-model-tables.js';
import { AdminController } from './http/admin.controller.js';
import { ProjectionsContext } from './http/projections-context.js';
import { StreamController } from './http/stream.controller.js';
import { ViewsController } from './http/views.controller.js';
import type { ProjectionsConfig } from './projections-config.js';

/**
 * The projections' own work beside the HTTP API: one live projector per read model, run by the one
 * replica that holds the projections' lock (the others serve reads and stand by).
 */
export interface Projectors {
  /** The running projectors while this replica leads; empty while it stands by. */
  readonly projectors: readonly LiveProjector[];
  readonly leadership: AdvisoryLeadership;
  stop(): Promise<void>;
}

export type RunningProjections = RunningService<Projectors>;

/** The read API's controllers (also what `npm run openapi` describes). */
export const PROJECTIONS_CONTROLLERS = [ViewsController, StreamController, AdminController] as const;

export const projectionsOpenApi: OpenApiOptions = {
  title: 'stockflow projections',
  version: '1.0.0',
  description: 'Read models of stockflow, rebuilt from the event streams: stock, orders per customer, carts, notification deliveries, dead letters; live changes as Server-Sent Events.',
};

@Module({})
class ProjectionsModule {
  static forRoot(context: ProjectionsContext): DynamicModule {
    return {
      module: ProjectionsModule,
      controllers: [...PROJECTIONS_CONTROLLERS],
      providers: [{ provide: ProjectionsContext, useValue: context }],
    };
  }
}

/**
 * Starts the projections service: read models in its own schema (no event log there), fed by one
 * durable consumer per projection, the query API, the SSE change stream and the rebuild endpoint.
 */
export function startProjectionsService(config: ProjectionsConfig, options: StartOptions = {}): Promise<RunningProjections> {
  const schema = quoteSchema(config.DB_SCHEMA);
  const changes = new ChangeFeed();
  // Filled once the host has started the service (its logger); the rebuild endpoint cannot run before.
  const wiring: { deps?: ProjectorDeps; service?: Service } = {};
  const serviceMetrics = new ServiceMetrics();
  const metrics = new ProjectionMetrics(serviceMetrics);
  const rebuild = (): Promise<RebuildReport> =>
    rebuildAll(wiring.deps!, (result) => {
      metrics.rebuildEvents.inc({ projection: result.projection }, result.events);
      metrics.rebuildDuration.set({ projection: result.projection }, result.replayMs / 1000);
      wiring.service?.logger.info({ ...result }, 'projection rebuilt and swapped in');
      changes.publish({ view: 'rebuild', rows: [result], sequence: result.checkpoint, at: new Date().toISOString() });
    });
  return runService<Projectors>({
    name: 'projections',
    config,
    ...options,
    eventLog: 'none',
    migrations: projectionMigrations,
    metrics: serviceMetrics,
    module: ({ infrastructure }) =>
      ProjectionsModule.forRoot({
        pool: infrastructure.pool,
        schema,
        changes,
        metrics,
        rebuild,
        deadLetters: async () => summarizeDeadLetters(await jetstreamManager(infrastructure.nats), infrastructure.scheme),
        replayDeadLetters: async (consumer) => replayDeadLetters(jetstream(infrastructure.nats), await jetstreamManager(infrastructure.nats), consumer, { scheme: infrastructure.scheme }),
      }),
    openApi: projectionsOpenApi,
    readinessChecks: () => ({
      projectionLag: async () => {
        const lag = metrics.snapshot();
        const healthy = Object.values(lag).every((p) => p.lagEvents <= config.PROJECTION_MAX_LAG_EVENTS);
        return { healthy, details: { maxLagEvents: config.PROJECTION_MAX_LAG_EVENTS, projections: lag } };
      },
    }),
    work: async ({ infrastructure, service }) => {
      const { nats, pool, scheme } = infrastructure;
      const deps: ProjectorDeps = {
        js: jetstream(nats),
        jsm: await jetstreamManager(nats),
        pool,
        schema,
        scheme,
        catalog: stockflowCatalog,
        changes,
        metrics,
        serviceMetrics,
        logger: service.logger,
      };
      wiring.deps = deps;
      wiring.service = service;
      changes.share(nats, changeFeedSubject(scheme.namespace));
      let projectors: LiveProjector[] = [];
      const leadership = new AdvisoryLeadership(pool, `projections:${config.DB_SCHEMA}`, {
        intervalMs: config.PROJECTIONS_ELECTION_INTERVAL_MS,
        onChange: (leading) => service.logger.info({ leading }, leading ? 'projections: leading (runs the live projectors)' : 'projections: standing by (serves reads)'),
        onError: (error) => service.logger.warn({ err: error }, 'projections: leadership check failed'),
      });
      // One live projector per read model in the whole deployment (ADR 0043): a second set would
      // only wait on the same locks and re-create the same durables.
      leadership.start(async (signal) => {
        const running = READ_MODEL_TABLES.map((spec) => new LiveProjector(deps, spec));
        projectors = running;
        try {
          for (const projector of running) await projector.start();
          await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
        } finally {
          for (const projector of running) await projector.stop().catch(() => undefined);
          projectors = [];
        }
      });
      return {
        get projectors() {
          return projectors;
        },
        leadership,
        stop: async () => {
          await leadership.stop();
          changes.unshare();
        },
      };
    },
  });
}
