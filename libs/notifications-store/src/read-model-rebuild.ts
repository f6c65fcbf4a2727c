import { stockflowCatalog } from '@stockflow/contracts';
import type { RecordedEvent } from '@stockflow/event-sourcing';
import { carriesContact, evolvePreferences, openCustomerEventData, phoneIndexOfEvent, type Preferences } from '@stockflow/notifications-context';
import { inTransaction, migrate, quoteSchema } from '@stockflow/postgres';
import type { Pool, PoolClient } from 'pg';
import { notificationsMigrations } from './notifications-migrations.js';
import { endSubscriptions, insertSubscription, preferencesOfRow, saveCustomerPreferences, saveCustomerVersion, savePhoneOptOut, saveConfirmedContact, saveCustomerErased, saveEmailSuppressed, customerKeyRecord, type CustomerPreferencesRow } from './read-model-rows.js';

/** The read models that are a function of the context's log alone (the inbox holds rendered text the log does not). */
export const REBUILDABLE_TABLES = ['customers', 'subscriptions', 'phone_opt_outs'] as const;

/** What a rebuild reads: the log in its global order (the EventStore port's `readAll`). */
export interface LogReader {
  readAll(options: { after: string | null; maxCount: number }): Promise<readonly RecordedEvent[]>;
}

/**
 * Rebuilds `customers`, `subscriptions` and `phone_opt_outs` in `schema` from the notifications
 * context's log, in one transaction: the schema's tables are migrated if missing and emptied, then
 * every event is applied in log order through the same row writers the services use. Events of
 * other contexts and the delivery outcomes are skipped. Returns how many events were applied.
 */
export async function rebuildNotificationsReadModels(
  log: LogReader,
  pool: Pool,
  schema: string,
  options: {
    /** The key of phone numbers' blind index (ADR 0029): customers' rows get their phone's index, v1 opt-outs theirs. */
    phoneIndexKey: Buffer;
    batchSize?: number;
    keysSchema?: string;
  },
): Promise<{ applied: number }> {
  const batchSize = options.batchSize ?? 1000;
  await migrate(pool, schema, notificationsMigrations(options.phoneIndexKey));
  const s = quoteSchema(schema);
  // The customers' data keys (ADR 0029) are where the log was written: sealed contact details open with them, erased ones read as none.
  const keysSchema = quoteSchema(options.keysSchema ?? schema);
  return inTransaction(pool, async (client) => {
    // One lookup per customer, not per event.
    const keys = new Map<string, CustomerKey | null>();
    const keyOf = async (customerId: string): Promise<CustomerKey | null> => {
      if (!keys.has(customerId)) keys.set(customerId, await customerKeyRecord(client, keysSchema, customerId));
      return keys.get(customerId)!;
    };
    await client.query(`TRUNCATE ${REBUILDABLE_TABLES.map((t) => `${s}.${t}`).join(', ')}`);
    let applied = 0;
    for (let after: string | null = null; ; ) {
      const events = await log.readAll({ after, maxCount: batchSize });
      for (const event of events) if (await apply(client, s, keyOf, options.phoneIndexKey, event)) applied++;
      if (events.length < batchSize) return { applied };
      after = events[events.length - 1]!.logPosition;
    }
  });
}

async function apply(client: PoolClient, s: string, keyOf: (customerId: string) => Promise<CustomerKey | null>, phoneIndexKey: Buffer, recorded: RecordedEvent): Promise<boolean> {
  const upcast = stockflowCatalog.upcast(recorded.type, recorded.schemaVersion, recorded.data).data as Record<string, never>;
  const data = carriesContact(recorded.type) ? openContacts(recorded, upcast, await keyOf(upcast['customerId'])) : upcast;
  const version = recorded.streamPosition;
  const at = new Date(recorded.occurredAt);
  switch (recorded.type) {
    case 'NotificationPreferencesSet':
    case 'EmailUnsubscribed': {
      const customerId: string = data['customerId'];
      const current = await currentPreferences(client, s, customerId);
      const next = evolvePreferences(current, { type: recorded.type, data } as unknown as Parameters<typeof evolvePreferences>[1]);
      if (next) await saveCustomerPreferences(client, s, customerId, next, version, phoneIndexKey, at);
      else await saveCustomerVersion(client, s, customerId, version, at);
      return true;
    }
    case 'InboxNotificationRead':
    case 'ContactConfirmationRequested':
    case 'ContactConfirmationFailed':
      // Pending confirmations are not rebuilt (their codes are not in the log): a customer asks again.
      await saveCustomerVersion(client, s, data['customerId'], version, at);
      return true;
    case 'ContactConfirmed':
      // An erased address opens as null: nothing was confirmed that anyone can still reach.
      if (data['address']) await saveConfirmedContact(client, s, data['customerId'], data['channel'], data['address'], version, at);
      else await saveCustomerVersion(client, s, data['customerId'], version, at);
      return true;
    case 'CustomerDataErased':
      await saveCustomerErased(client, s, data['customerId'], version, at);
      return true;
    case 'EmailSuppressed':
      await saveEmailSuppressed(client, s, data['customerId'], data['reason'], version, at);
      return true;
    case 'SubscriptionCreated':
      await insertSubscription(client, s, { id: data['subscriptionId'], customerId: data['customerId'], sku: data['sku'], kind: data['kind'], version }, at);
      return true;
    case 'SubscriptionCancelled':
      await endSubscriptions(client, s, [{ id: data['subscriptionId'], version }], { status: 'cancelled' }, at);
      return true;
    case 'SubscriptionFulfilled':
      await endSubscriptions(client, s, [{ id: data['subscriptionId'], version }], { status: 'fulfilled', restockEventId: data['restockEventId'] }, at);
      return true;
    case 'SmsOptedOut':
    case 'SmsOptedIn':
      await savePhoneOptOut(client, s, phoneIndexOfEvent(phoneIndexKey, data['phone']), recorded.type === 'SmsOptedOut', data['keyword'], version, at);
      return true;
    default:
      return false;
  }
}

type CustomerKey = { readonly key: Buffer; readonly createdAt: Date };

/**
 * The event's contact fields opened with the customer's key. A value sealed before that key was made
 * was sealed under a key an erasure destroyed (the customer set contact details again since): it reads
 * as none. Any other value that does not open is corruption and throws.
 */
function openContacts<T extends object>(recorded: RecordedEvent, data: T, key: CustomerKey | null): T {
  try {
    return openCustomerEventData(recorded.type, data, key?.key ?? null, recorded.streamId);
  } catch (error) {
    if (key && new Date(recorded.occurredAt) < key.createdAt) return openCustomerEventData(recorded.type, data, null, recorded.streamId);
    throw error;
  }
}

async function currentPreferences(client: PoolClient, s: string, customerId: string): Promise<Preferences | null> {
  const { rows } = await client.query<CustomerPreferencesRow>(`SELECT * FROM ${s}.customers WHERE customer_id = $1 AND preferences_set`, [customerId]);
  return rows[0] ? preferencesOfRow(rows[0]) : null;
}
