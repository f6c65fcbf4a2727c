import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { SubjectScheme } from '@stockflow/contracts';
import { TransactionsUnsupported, type EventStore } from '@stockflow/event-sourcing';
import type { EsdbClient } from '@stockflow/eventstoredb';
import { connectNats, onAppendNudge, publishAppendNudge, type NatsConnection } from '@stockflow/messaging';
import { IdempotentInbox, createPool, migrate, type Migration } from '@stockflow/postgres';
import type { Pool, PoolClient } from 'pg';
import { HttpIdempotencyStore } from '../http-conventions/http-idempotency-store.js';
import { defaultStreamPrefix, openEventStore, type EventStoreDbLogSettings, type OpenedEventStore } from './event-store-factory.js';

/** Injection tokens of the shared infrastructure of a hosted process. */
export const PG_POOL = Symbol.for('stockflow.pg-pool');
export const EVENT_STORE = Symbol.for('stockflow.event-store');
export const NATS_CONNECTION = Symbol.for('stockflow.nats-connection');
export const IDEMPOTENT_INBOX = Symbol.for('stockflow.idempotent-inbox');

/** A relay woken by its writer's nudges polls an idle log this often: a lost nudge costs at most this. */
const RELAY_IDLE_POLL_MS = 250;

export interface InfrastructureSettings {
  readonly name: string;
  readonly DATABASE_URL: string;
  readonly DB_SCHEMA: string;
  readonly NATS_URL: string;
  readonly NATS_USER?: string;
  readonly NATS_PASSWORD?: string;
  /** Group commit of concurrent appends (see BaseServiceConfig.APPEND_BATCH_MAX); 1 turns it off. */
  readonly APPEND_BATCH_MAX?: number;
  readonly DB_POOL_MAX?: number;
  readonly NATS_NAMESPACE?: string;
  /** Servers that keep each stream the process provisions (a cluster's R3); 1 by default. */
  readonly NATS_STREAM_REPLICAS?: number;
  /** Lease of an Idempotency-Key claim (see BaseServiceConfig.IDEMPOTENCY_LEASE_MS). */
  readonly IDEMPOTENCY_LEASE_MS?: number;
  /** The context's log on EventStoreDB instead of PostgreSQL (see BaseServiceConfig.EVENTSTORE_URL). */
  readonly EVENTSTORE_URL?: string;
  /** Its streams' prefix on the server; the schema's name and a dot by default. */
  readonly EVENTSTORE_STREAM_PREFIX?: string;
}

/**
 * What a process does with its schema's event log:
 * - `writer` (the services and the notifier): appends, with group commit, and nudges the schema's
 *   relay after each commit; the schema also holds HTTP idempotency keys and the consumers' inbox.
 * - `relay`: reads the log, woken at once by the writer's nudges.
 * - `none` (the projections): no log in its schema.
 */
export type EventLogRole = 'writer' | 'relay' | 'none';

export interface InfrastructureOptions {
  readonly eventLog?: EventLogRole;
  /**
   * The process may run its schema's relay (ADR 0043): a reader of the log is opened, woken by the
   * nudges of the schema's writers and, while `leading()`, by this process's own commits, which then
   * nudge nobody (the relay they would wake is here).
   */
  readonly relayLog?: { readonly leading: () => boolean };
  /** The process's own tables, migrated in its schema before anything starts. */
  readonly migrations?: readonly Migration[];
  /** The log on EventStoreDB through this client, whatever EVENTSTORE_URL says (tests: the in-process model). */
  readonly eventStoreDbClient?: EsdbClient;
  /**
   * Who in the process commits events together with its own rows: on a log without transactions
   * it refuses (`TransactionsUnsupported`) before it creates anything.
   */
  readonly needsTransactions?: string;
}

/** What every hosted process talks to: one pool and one NATS connection, in the process's schema. */
export interface EventSourcedInfrastructure {
  readonly pool: Pool;
  readonly schema: string;
  /** The subject namespace of the process's streams and subjects. */
  readonly scheme: SubjectScheme;
  /** The schema's event log (the port); its transactions hand their own statements a pool client. Throws where the role is `none`. */
  readonly store: EventStore<PoolClient>;
  readonly nats: NatsConnection;
  /** Where the log is: the schema's tables, or EventStoreDB streams under a prefix (ADR 0046). */
  readonly logLocation: { readonly kind: 'postgres' } | { readonly kind: 'eventstoredb'; readonly streamPrefix: string };
  /** The reader of the schema's log a hosted relay reads (woken by appends); throws unless the process may run the relay. */
  readonly relayLog: OpenedEventStore;
  /** Throws unless the role is `writer`. */
  readonly idempotency: HttpIdempotencyStore;
  /** Throws unless the role is `writer`. */
  readonly inbox: IdempotentInbox;
  close(): Promise<void>;
}

export async function connectInfrastructure(settings: InfrastructureSettings, options: InfrastructureOptions = {}): Promise<EventSourcedInfrastructure> {
  const role = options.eventLog ?? 'writer';
  const pool = createPool({ connectionString: settings.DATABASE_URL, max: settings.DB_POOL_MAX ?? 8, applicationName: settings.name });
  const scheme: SubjectScheme = {
    ...(settings.NATS_NAMESPACE ? { namespace: settings.NATS_NAMESPACE } : {}),
    ...(settings.NATS_STREAM_REPLICAS && settings.NATS_STREAM_REPLICAS > 1 ? { streamReplicas: settings.NATS_STREAM_REPLICAS } : {}),
  };
  let nats: NatsConnection | undefined;
  let store: OpenedEventStore | null = null;
  let nudges: { unsubscribe(): void } | undefined;
  try {
    // A process without a log of its own (`none`: the projections) has nothing to put there.
    const esdb = role === 'none' ? null : eventStoreDbLog(settings, options);
    if (esdb) {
      store = await openEventStore({ pool, schema: settings.DB_SCHEMA, eventStoreDb: esdb });
      if (options.needsTransactions && role === 'writer' && !store.capabilities.transactions) {
        await store.close();
        throw new TransactionsUnsupported(
          `${options.needsTransactions} commits events together with its own rows, so ${settings.name} needs the PostgreSQL event store: unset EVENTSTORE_URL (ADR 0046)`,
        );
      }
    }
    if (options.migrations?.length) await migrate(pool, settings.DB_SCHEMA, options.migrations);
    nats = await connectNats({ url: settings.NATS_URL, name: settings.name, user: settings.NATS_USER, password: settings.NATS_PASSWORD });
    let relayLog: OpenedEventStore | null = null;
    let idempotency: HttpIdempotencyStore | null = null;
    let inbox: IdempotentInbox | null = null;
    if (esdb) {
      // One client for the writer and the relay: the server pushes new events to the relay's
      // subscription, so there are no nudges to send or to listen to.
      if (role === 'relay' || options.relayLog) relayLog = store;
    } else {
      if (role === 'relay' || options.relayLog) {
        relayLog = await openEventStore({ pool, schema: settings.DB_SCHEMA, idlePollIntervalMs: RELAY_IDLE_POLL_MS });
        // The schema's writers nudge after each commit: read now rather than at the next poll.
        const reader = relayLog;
        nudges = onAppendNudge(nats, settings.DB_SCHEMA, scheme, () => reader.wake());
      }
      if (role === 'writer') {
        const nudge = publishAppendNudge(nats, settings.DB_SCHEMA, scheme);
        const localRelay = relayLog;
        const leading = options.relayLog?.leading;
        store = await openEventStore({
          pool,
          schema: settings.DB_SCHEMA,
          appendBatchMax: settings.APPEND_BATCH_MAX ?? 256,
          // The relay of this schema reads at once instead of at its next poll (ADR 0003): woken in
          // this process when it runs here, else by a nudge over NATS.
          onAppended: localRelay && leading ? () => (leading() ? localRelay.wake() : nudge()) : nudge,
        });
      } else if (role === 'relay') {
        store = relayLog;
      }
    }
    if (role === 'writer') {
      idempotency = await HttpIdempotencyStore.create(pool, settings.DB_SCHEMA, { leaseMs: settings.IDEMPOTENCY_LEASE_MS });
      inbox = await IdempotentInbox.create(pool, settings.DB_SCHEMA);
    }
    const connection = nats;
    const absent = (part: string): never => {
      throw new Error(`${settings.name} runs without ${part} (its host's eventLog is '${role}')`);
    };
    return {
      pool,
      schema: settings.DB_SCHEMA,
      scheme,
      nats: connection,
      logLocation: esdb ? { kind: 'eventstoredb', streamPrefix: esdb.streamPrefix } : { kind: 'postgres' },
      get store() {
        return store ?? absent('an event log');
      },
      get relayLog() {
        return relayLog ?? absent('a relay');
      },
      get idempotency() {
        return idempotency ?? absent('HTTP idempotency');
      },
      get inbox() {
        return inbox ?? absent('an inbox');
      },
      async close() {
        nudges?.unsubscribe();
        await store?.close();
        if (relayLog !== store) await relayLog?.close();
        await connection.drain().catch(() => undefined);
        await pool.end();
      },
    };
  } catch (error) {
    nudges?.unsubscribe();
    await store?.close().catch(() => undefined);
    await nats?.close().catch(() => undefined);
    await pool.end();
    throw error;
  }
}

/** Where the log lives on EventStoreDB, when it does: a client given by the caller or EVENTSTORE_URL. */
function eventStoreDbLog(settings: InfrastructureSettings, options: InfrastructureOptions): EventStoreDbLogSettings | null {
  if (!options.eventStoreDbClient && !settings.EVENTSTORE_URL) return null;
  const streamPrefix = settings.EVENTSTORE_STREAM_PREFIX ?? defaultStreamPrefix(settings.DB_SCHEMA);
  return options.eventStoreDbClient ? { client: options.eventStoreDbClient, streamPrefix } : { connectionString: settings.EVENTSTORE_URL, streamPrefix };
}

/** Provides the infrastructure to a process's providers by the tokens above. */
@Global()
@Module({})
export class InfrastructureModule {
  static forRoot(infrastructure: EventSourcedInfrastructure, store?: EventStore<PoolClient>): DynamicModule {
    const providers = [
      { provide: PG_POOL, useValue: infrastructure.pool },
      { provide: NATS_CONNECTION, useValue: infrastructure.nats },
      ...(store ? [{ provide: EVENT_STORE, useValue: store }] : []),
      ...(store ? [{ provide: IDEMPOTENT_INBOX, useValue: infrastructure.inbox }] : []),
    ];
    return { module: InfrastructureModule, global: true, providers, exports: providers.map((p) => p.provide) };
  }
}
