import { Global, Module, type DynamicModule } from '@nestjs/common';
import { stockflowCatalog } from '@stockflow/contracts';
import { connectNats, publishAppendNudge, type NatsConnection } from '@stockflow/messaging';
import { IdempotentInbox, PostgresEventStore, createPool } from '@stockflow/postgres';
import type { EventStore } from '@stockflow/event-sourcing';
import type { Pool, PoolClient } from 'pg';
import { HttpIdempotencyStore } from '../http-conventions/http-idempotency-store.js';

/** Injection tokens of the shared infrastructure of an event-sourced service. */
export const PG_POOL = Symbol.for('stockflow.pg-pool');
export const EVENT_STORE = Symbol.for('stockflow.event-store');
export const NATS_CONNECTION = Symbol.for('stockflow.nats-connection');
export const IDEMPOTENT_INBOX = Symbol.for('stockflow.idempotent-inbox');

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
}

/** What every event-sourced service talks to, all in the service's own schema. */
export interface EventSourcedInfrastructure {
  readonly pool: Pool;
  readonly schema: string;
  /** The service's event store; its transactions hand their own statements a pool client. */
  readonly store: EventStore<PoolClient>;
  readonly nats: NatsConnection;
  readonly idempotency: HttpIdempotencyStore;
  readonly inbox: IdempotentInbox;
  close(): Promise<void>;
}

export async function connectInfrastructure(settings: InfrastructureSettings): Promise<EventSourcedInfrastructure> {
  const pool = createPool({ connectionString: settings.DATABASE_URL, max: settings.DB_POOL_MAX ?? 8, applicationName: settings.name });
  let nats: NatsConnection | undefined;
  try {
    nats = await connectNats({ url: settings.NATS_URL, name: settings.name, user: settings.NATS_USER, password: settings.NATS_PASSWORD });
    const batch = settings.APPEND_BATCH_MAX ?? 256;
    const store = await PostgresEventStore.create({
      pool,
      schema: settings.DB_SCHEMA,
      catalog: stockflowCatalog,
      ...(batch > 1 ? { groupCommit: { maxBatch: batch, maxInFlight: 4 } } : {}),
      // The relay of this schema reads at once instead of at its next poll (ADR 0003).
      onAppended: publishAppendNudge(nats, settings.DB_SCHEMA, settings.NATS_NAMESPACE ? { namespace: settings.NATS_NAMESPACE } : {}),
    });
    const idempotency = await HttpIdempotencyStore.create(pool, settings.DB_SCHEMA);
    const inbox = await IdempotentInbox.create(pool, settings.DB_SCHEMA);
    const connection = nats;
    return {
      pool,
      schema: settings.DB_SCHEMA,
      store,
      nats: connection,
      idempotency,
      inbox,
      async close() {
        await connection.drain().catch(() => undefined);
        await pool.end();
      },
    };
  } catch (error) {
    await nats?.close().catch(() => undefined);
    await pool.end();
    throw error;
  }
}

/** Provides the infrastructure to a service's providers by the tokens above. */
@Global()
@Module({})
export class InfrastructureModule {
  static forRoot(infrastructure: EventSourcedInfrastructure, store: EventStore<PoolClient> = infrastructure.store): DynamicModule {
    return {
      module: InfrastructureModule,
      global: true,
      providers: [
        { provide: PG_POOL, useValue: infrastructure.pool },
        { provide: EVENT_STORE, useValue: store },
        { provide: NATS_CONNECTION, useValue: infrastructure.nats },
        { provide: IDEMPOTENT_INBOX, useValue: infrastructure.inbox },
      ],
      exports: [PG_POOL, EVENT_STORE, NATS_CONNECTION, IDEMPOTENT_INBOX],
    };
  }
}
