import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { stockflowCatalog } from '@stockflow/contracts';
import { ConcurrencyConflict, requireTransactions, type EventStore, type EventStoreTransaction } from '@stockflow/event-sourcing';
import { currentEventMetadata, EVENT_STORE, PG_POOL, SERVICE_CONFIG } from '@stockflow/platform';
import { migrate, quoteSchema } from '@stockflow/postgres';
import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { NotificationsConfig } from '../notifications-config.js';
import { carriesContact, customerStreamId, phoneIndexKey, sealCustomerEvent } from '@stockflow/notifications-context';
import { ensureCustomerKey, notificationsMigrations } from '@stockflow/notifications-store';

export interface PendingAppend {
  readonly streamId: string;
  readonly events: readonly { readonly type: string; readonly data: unknown }[];
}

/**
 * Commands of this service run in one transaction of the event store: lock what they decide on,
 * decide, append the events and update the read models on the transaction's connection. A query after the
 * answer sees the change at once; a failure leaves neither events nor read-model rows behind.
 */
@Injectable()
export class NotificationsStore implements OnModuleInit {
  /** The quoted schema, to prefix table names. */
  readonly s: string;
  /** The key of phone numbers' blind index (ADR 0029), from the context's secret. */
  readonly phoneIndexKey: Buffer;

  constructor(
    @Inject(PG_POOL) readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore<PoolClient>,
    @Inject(SERVICE_CONFIG) config: NotificationsConfig,
  ) {
    requireTransactions(store, 'the notifications API');
    this.s = quoteSchema(config.DB_SCHEMA);
    this.schema = config.DB_SCHEMA;
    this.phoneIndexKey = phoneIndexKey(config.UNSUBSCRIBE_SECRET);
  }

  private readonly schema: string;

  async onModuleInit(): Promise<void> {
    await migrate(this.pool, this.schema, notificationsMigrations(this.phoneIndexKey));
  }

  /** Runs `work` in a transaction; retried (a few times) when a concurrent writer won a stream. */
  async transaction<T>(work: (client: PoolClient, tx: Transaction) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.store.withTransaction((tx) => work(tx.connection, new Transaction(tx, this.s)));
      } catch (error) {
        if (!(error instanceof ConcurrencyConflict) || attempt >= 5) throw error;
      }
    }
  }

}

/** The appends of one transaction, with the request's correlation and trace ids. */
export class Transaction {
  readonly client: PoolClient;

  constructor(
    private readonly tx: EventStoreTransaction<PoolClient>,
    private readonly s: string,
  ) {
    this.client = tx.connection;
  }

  /**
   * Appends to a customer's stream with the contact details of the events sealed under the customer's
   * data key, made on first use (ADR 0029): the log never holds them in clear, and erasure can shred them.
   */
  async appendForCustomer(customerId: string, events: PendingAppend['events'], version: number): Promise<number> {
    const streamId = customerStreamId(customerId);
    if (!events.some((event) => carriesContact(event.type))) return this.append(streamId, events, version);
    const key = await ensureCustomerKey(this.client, this.s, customerId);
    return this.append(streamId, events.map((event) => sealCustomerEvent(event, key, streamId)), version);
  }

  /** Serializes writers of one stream for the rest of the transaction. */
  async lockStream(streamId: string): Promise<void> {
    await this.client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 7))', [streamId]);
  }

  /**
   * Appends at `version` (0: the stream must not exist; `stream_exists`: after whatever it holds, for a
   * stream whose writer the caller serializes otherwise) and returns the new version.
   */
  async append(streamId: string, events: PendingAppend['events'], version: number | 'stream_exists'): Promise<number> {
    const metadata = currentEventMetadata();
    const result = await this.tx.appendToStream(
      streamId,
      events.map((event) => ({ eventId: randomUUID(), type: event.type, schemaVersion: stockflowCatalog.currentVersion(event.type), data: event.data, ...metadata })),
      { expectedVersion: version === 0 ? 'no_stream' : version },
    );
    return result.nextExpectedVersion;
  }
}
