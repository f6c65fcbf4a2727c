import { connectEsdbClient, type EsdbClient } from '@stockflow/eventstoredb';
import { SimulatedEsdbClient } from '@stockflow/eventstoredb/testing';
import { defaultStreamPrefix, openEventStore, type OpenedEventStore, type RunningService, type StartOptions } from '@stockflow/platform';
import type { Pool } from 'pg';
import { eventLogFootprint, type LogFootprint } from './event-log.js';
import { IN_PROCESS } from './in-process.js';

/**
 * Which log the services under test write (ADR 0046), from `STOCKFLOW_TEST_EVENT_LOG`:
 * - `postgres` (unset): each service's PostgreSQL schema, as `npm start` runs them;
 * - `eventstoredb-model`: the EventStoreDB adapter over the in-process model of the server;
 * - `eventstoredb`: the EventStoreDB adapter on the server at `EVENTSTORE_URL`.
 * The jest projects "… on EventStoreDB" of the apps set it (see jest.eventstoredb.js).
 */
export type TestEventLog = 'postgres' | 'eventstoredb-model' | 'eventstoredb';

export function testEventLog(env: NodeJS.ProcessEnv = process.env): TestEventLog {
  const chosen = env['STOCKFLOW_TEST_EVENT_LOG'] ?? 'postgres';
  if (chosen !== 'postgres' && chosen !== 'eventstoredb-model' && chosen !== 'eventstoredb') {
    throw new Error(`STOCKFLOW_TEST_EVENT_LOG=${chosen}: expected postgres, eventstoredb-model or eventstoredb`);
  }
  if (chosen === 'eventstoredb' && !env['EVENTSTORE_URL']) throw new Error('STOCKFLOW_TEST_EVENT_LOG=eventstoredb needs EVENTSTORE_URL (e.g. esdb://127.0.0.1:2113?tls=false)');
  return chosen;
}

/** The EventStoreDB client a service under test writes through, or null on PostgreSQL; `dispose` after the service stopped. */
export interface TestEventStoreDbClient {
  readonly client: EsdbClient;
  dispose(): Promise<void>;
}

/**
 * A client for one service under test: a fresh model (its own `$all`), or a connection to the real
 * server, where the service's stream prefix (its unique schema's name) keeps runs apart.
 */
export function testEventStoreDbClient(env: NodeJS.ProcessEnv = process.env): TestEventStoreDbClient | null {
  const log = testEventLog(env);
  if (log === 'postgres') return null;
  const client = log === 'eventstoredb' ? connectEsdbClient(env['EVENTSTORE_URL']!) : new SimulatedEsdbClient().asClient();
  return { client, dispose: () => client.dispose() };
}

/** A context's log as a test opens it beside the service it starts: both see the same log. */
export interface TestEventLogHandle {
  /** The test's own reader and writer of the log. */
  readonly store: OpenedEventStore;
  /** What to start the service with (`IN_PROCESS`, and the EventStoreDB client when the log is there). */
  readonly startOptions: StartOptions;
  /** The log's head and number of events (see `eventLogFootprint`). */
  footprint(): Promise<LogFootprint>;
  /** Fails unless `running` writes the log this run chose (so a spec cannot silently run on another). */
  expectUsedBy(running: RunningService): void;
  close(): Promise<void>;
}

export async function openTestEventLog(pool: Pool, schema: string): Promise<TestEventLogHandle> {
  const esdb = testEventStoreDbClient();
  const store = await openEventStore({ pool, schema, ...(esdb ? { eventStoreDb: { client: esdb.client, streamPrefix: defaultStreamPrefix(schema) } } : {}) });
  return {
    store,
    startOptions: esdb ? { ...IN_PROCESS, eventStoreDbClient: esdb.client } : IN_PROCESS,
    footprint: () => eventLogFootprint({ pool, schema, store, logLocation: esdb ? { kind: 'eventstoredb', streamPrefix: defaultStreamPrefix(schema) } : { kind: 'postgres' } }),
    expectUsedBy: (running) => expectEventLog(running),
    async close() {
      await store.close();
      await esdb?.dispose();
    },
  };
}

/** Fails unless `running` writes the log `STOCKFLOW_TEST_EVENT_LOG` chose. */
export function expectEventLog(running: RunningService): void {
  const wanted = testEventLog() === 'postgres' ? 'postgres' : 'eventstoredb';
  const actual = running.infrastructure.logLocation.kind;
  if (actual !== wanted) throw new Error(`the service under test writes its log on ${actual}, but this run is on ${wanted} (STOCKFLOW_TEST_EVENT_LOG)`);
}
