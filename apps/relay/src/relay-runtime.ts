import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { stockflowCatalog } from '@stockflow/contracts';
import { EventRelay, connectNats, onAppendNudge, type NatsConnection, type RelayObserver } from '@stockflow/messaging';
import { PostgresCheckpointStore, PostgresEventStore, checkpointStoreMigrations, createPool, migrate } from '@stockflow/postgres';
import type { Pool } from 'pg';

/** A lost nudge on an idle log costs at most this much latency. */
const IDLE_POLL_MS = 250;

export interface RelaySettings {
  /** Context whose log is relayed, e.g. `inventory`. */
  readonly context: string;
  /** PostgreSQL schema holding that context's event store. */
  readonly schema: string;
  readonly databaseUrl: string;
  readonly natsUrl: string;
  /** The relay's NATS user and password (ADR 0020); unset: anonymous (development). */
  readonly natsUser?: string;
  readonly natsPassword?: string;
  /** Subject namespace (tests and tenants sharing one NATS server). */
  readonly namespace?: string;
  readonly batchSize: number;
  readonly maxInFlight: number;
}

export interface RelayRuntime {
  readonly relay: EventRelay;
  readonly pool: Pool;
  readonly nats: NatsConnection;
  stop(): Promise<void>;
}

/** Wires one context's PostgreSQL log to its JetStream stream and starts relaying. */
export async function startRelayRuntime(settings: RelaySettings, observer?: RelayObserver): Promise<RelayRuntime> {
  const pool = createPool({ connectionString: settings.databaseUrl, max: 4, applicationName: `relay:${settings.context}` });
  // Woken by the writing service's nudges, the relay polls quickly only while events flow.
  const store = await PostgresEventStore.create({ pool, schema: settings.schema, catalog: stockflowCatalog, idlePollIntervalMs: IDLE_POLL_MS });
  await migrate(pool, settings.schema, checkpointStoreMigrations);
  const checkpoints = new PostgresCheckpointStore(pool, settings.schema);
  const nats = await connectNats({ url: settings.natsUrl, name: `relay:${settings.context}`, user: settings.natsUser, password: settings.natsPassword });
  const scheme = settings.namespace ? { namespace: settings.namespace } : {};
  // The writing service nudges after each commit: read now rather than at the next poll.
  const nudges = onAppendNudge(nats, settings.schema, scheme, () => store.wake());
  const relay = new EventRelay({
    store,
    checkpoints,
    js: jetstream(nats),
    jsm: await jetstreamManager(nats),
    context: settings.context,
    scheme,
    batchSize: settings.batchSize,
    maxInFlight: settings.maxInFlight,
    observer,
  });
  await relay.start();
  return {
    relay,
    pool,
    nats,
    async stop() {
      nudges.unsubscribe();
      await relay.stop();
      await nats.drain();
      await store.close();
      await pool.end();
    },
  };
}
