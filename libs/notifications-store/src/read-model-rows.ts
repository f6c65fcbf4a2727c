// The rows of the notifications context's read models, written in one way: by the services in the
// transaction that appends the events they reflect, and by the rebuild from the log
// (read-model-rebuild.ts). `at` is the event's time in a rebuild; live writes leave it out and take
// the transaction's clock.
import type { Preferences, SubscriptionKind } from '@stockflow/notifications-context';
import { newContactKey, phoneIndexOf } from '@stockflow/notifications-context';
import type { PoolClient } from 'pg';

type Db = Pick<PoolClient, 'query'>;

/** The preference columns of a `customers` row. */
export interface CustomerPreferencesRow {
  email: string | null;
  phone: string | null;
  locale: string;
  time_zone: string;
  email_enabled: boolean;
  sms_enabled: boolean;
  web_enabled: boolean;
  quiet_start: string | null;
  quiet_end: string | null;
}

export function preferencesOfRow(row: CustomerPreferencesRow): Preferences {
  return {
    email: row.email,
    phone: row.phone,
    locale: row.locale,
    timeZone: row.time_zone,
    channels: { email: row.email_enabled, sms: row.sms_enabled, web: row.web_enabled },
    quietHours: row.quiet_start && row.quiet_end ? { start: row.quiet_start, end: row.quiet_end } : null,
  };
}

/** A customer's preferences at a stream version. */
/** A customer's preferences; `phoneIndexKey` gives their phone its blind index (ADR 0029) for the opt-out join. */
export async function saveCustomerPreferences(db: Db, s: string, customerId: string, p: Preferences, version: number, phoneIndexKey: Buffer, at: Date | null = null): Promise<void> {
  await db.query(
    `INSERT INTO ${s}.customers AS c
       (customer_id, version, preferences_set, email, phone, phone_index, locale, time_zone, email_enabled, sms_enabled, web_enabled, quiet_start, quiet_end, updated_at)
     VALUES ($1, $2, true, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, COALESCE($13, now()))
     ON CONFLICT (customer_id) DO UPDATE SET
       version = EXCLUDED.version, preferences_set = true, email = EXCLUDED.email, phone = EXCLUDED.phone, phone_index = EXCLUDED.phone_index,
       locale = EXCLUDED.locale, time_zone = EXCLUDED.time_zone, email_enabled = EXCLUDED.email_enabled, sms_enabled = EXCLUDED.sms_enabled,
       web_enabled = EXCLUDED.web_enabled, quiet_start = EXCLUDED.quiet_start, quiet_end = EXCLUDED.quiet_end, updated_at = EXCLUDED.updated_at`,
    [
      customerId,
      version,
      p.email,
      p.phone,
      p.phone ? phoneIndexOf(phoneIndexKey, p.phone) : null,
      p.locale,
      p.timeZone,
      p.channels.email,
      p.channels.sms,
      p.channels.web,
      p.quietHours?.start ?? null,
      p.quietHours?.end ?? null,
      at,
    ],
  );
}

/** A customer stream's version moved without a change of preferences (an inbox notification read). */
export async function saveCustomerVersion(db: Db, s: string, customerId: string, version: number, at: Date | null = null): Promise<void> {
  await db.query(
    `INSERT INTO ${s}.customers (customer_id, version, updated_at) VALUES ($1, $2, COALESCE($3, now()))
     ON CONFLICT (customer_id) DO UPDATE SET version = EXCLUDED.version, updated_at = EXCLUDED.updated_at`,
    [customerId, version, at],
  );
}

/** A new active subscription; its `subscribed_at` orders the fair waves. */
export async function insertSubscription(
  db: Db,
  s: string,
  row: { id: string; customerId: string; sku: string; kind: SubscriptionKind; version: number },
  at: Date | null = null,
): Promise<void> {
  await db.query(
    `INSERT INTO ${s}.subscriptions (id, customer_id, sku, kind, status, subscribed_at, version)
     VALUES ($1, $2, $3, $4, 'active', COALESCE($6, clock_timestamp()), $5)`,
    [row.id, row.customerId, row.sku, row.kind, row.version, at],
  );
}

/** Subscriptions ended, each at its stream version: cancelled, or fulfilled by a restock's wave. */
export async function endSubscriptions(
  db: Db,
  s: string,
  ended: readonly { id: string; version: number }[],
  outcome: { status: 'cancelled' } | { status: 'fulfilled'; restockEventId: string },
  at: Date | null = null,
): Promise<void> {
  await db.query(
    `UPDATE ${s}.subscriptions s SET status = $3, ended_at = COALESCE($5, now()), restock_event_id = $4, version = f.version
     FROM unnest($1::uuid[], $2::int[]) AS f(id, version) WHERE s.id = f.id`,
    [ended.map((e) => e.id), ended.map((e) => e.version), outcome.status, outcome.status === 'fulfilled' ? outcome.restockEventId : null, at],
  );
}

/** A phone number's SMS opt-out state after a keyword. */
/** A number's opt-out state, keyed by its blind index (the number itself is not kept, ADR 0029). */
export async function savePhoneOptOut(db: Db, s: string, phoneIndex: string, optedOut: boolean, keyword: string, version: number, at: Date | null = null): Promise<void> {
  await db.query(
    `INSERT INTO ${s}.phone_opt_outs (phone_index, opted_out, keyword, version, changed_at) VALUES ($1, $2, $3, $4, COALESCE($5, now()))
     ON CONFLICT (phone_index) DO UPDATE SET opted_out = EXCLUDED.opted_out, keyword = EXCLUDED.keyword, version = EXCLUDED.version, changed_at = EXCLUDED.changed_at`,
    [phoneIndex, optedOut, keyword, version, at],
  );
}

/**
 * Gives the rows of a schema from before the phone blind index theirs (migration 004, in its
 * transaction): each customer's phone, and each opt-out, whose number is then dropped with its column.
 */
export async function indexLegacyPhoneRows(db: Db, s: string, phoneIndexKey: Buffer): Promise<{ customers: number; optOuts: number }> {
  const customers = await db.query<{ customer_id: string; phone: string }>(`SELECT customer_id, phone FROM ${s}.customers WHERE phone IS NOT NULL`);
  for (const row of customers.rows) {
    await db.query(`UPDATE ${s}.customers SET phone_index = $2 WHERE customer_id = $1`, [row.customer_id, phoneIndexOf(phoneIndexKey, row.phone)]);
  }
  // The number was the key: one row per number, so one per index.
  const optOuts = await db.query<{ phone: string }>(`SELECT phone FROM ${s}.phone_opt_outs`);
  for (const row of optOuts.rows) {
    await db.query(`UPDATE ${s}.phone_opt_outs SET phone_index = $2 WHERE phone = $1`, [row.phone, phoneIndexOf(phoneIndexKey, row.phone)]);
  }
  return { customers: customers.rowCount ?? 0, optOuts: optOuts.rowCount ?? 0 };
}

/** The address a customer confirmed on a channel (ContactConfirmed), at a stream version. */
export async function saveConfirmedContact(db: Db, s: string, customerId: string, channel: 'email' | 'sms', address: string, version: number, at: Date | null = null): Promise<void> {
  const column = channel === 'email' ? 'confirmed_email' : 'confirmed_phone';
  // Confirming an email address again lifts its suppression (ADR 0032).
  const lift = channel === 'email' ? ', email_suppressed_reason = NULL, email_suppressed_at = NULL' : '';
  await db.query(
    `INSERT INTO ${s}.customers (customer_id, version, ${column}, updated_at) VALUES ($1, $2, $3, COALESCE($4, now()))
     ON CONFLICT (customer_id) DO UPDATE SET version = EXCLUDED.version, ${column} = EXCLUDED.${column}, updated_at = EXCLUDED.updated_at${lift}`,
    [customerId, version, channel === 'email' ? address.toLowerCase() : address, at],
  );
}

/** A customer's data key (ADR 0029), or null: never made, or destroyed by erasure. */
export async function customerKey(db: Db, s: string, customerId: string): Promise<Buffer | null> {
  return (await customerKeyRecord(db, s, customerId))?.key ?? null;
}

/** A customer's data key and when it was made (a customer who set contact details again after erasure has a newer one). */
export async function customerKeyRecord(db: Db, s: string, customerId: string): Promise<{ key: Buffer; createdAt: Date } | null> {
  const { rows } = await db.query<{ key: Buffer; created_at: Date }>(`SELECT key, created_at FROM ${s}.customer_keys WHERE customer_id = $1`, [customerId]);
  return rows[0] ? { key: rows[0].key, createdAt: rows[0].created_at } : null;
}

/** A customer's data key, made (random, 256 bits) the first time their contact details are written. */
export async function ensureCustomerKey(db: Db, s: string, customerId: string): Promise<Buffer> {
  // One round trip: the key made now, or the one that was there.
  const { rows } = await db.query<{ key: Buffer }>(
    `WITH made AS (INSERT INTO ${s}.customer_keys (customer_id, key) VALUES ($1, $2) ON CONFLICT (customer_id) DO NOTHING RETURNING key)
     SELECT key FROM made UNION ALL SELECT key FROM ${s}.customer_keys WHERE customer_id = $1 LIMIT 1`,
    [customerId, newContactKey()],
  );
  return rows[0]!.key;
}

/** Erasure in the read model (CustomerDataErased): no address, no number, no channel that needs one. */
export async function saveCustomerErased(db: Db, s: string, customerId: string, version: number, at: Date | null = null): Promise<void> {
  await db.query(
    `UPDATE ${s}.customers SET version = $2, email = NULL, phone = NULL, phone_index = NULL, confirmed_email = NULL, confirmed_phone = NULL,
       email_suppressed_reason = NULL, email_suppressed_at = NULL, email_enabled = false, sms_enabled = false, updated_at = COALESCE($3, now())
     WHERE customer_id = $1`,
    [customerId, version, at],
  );
}

/** A bounced or complained-about address (EmailSuppressed): unconfirmed, with why and when (ADR 0032). */
export async function saveEmailSuppressed(db: Db, s: string, customerId: string, reason: string, version: number, at: Date | null = null): Promise<void> {
  await db.query(
    `UPDATE ${s}.customers SET version = $2, confirmed_email = NULL, email_suppressed_reason = $3, email_suppressed_at = COALESCE($4, now()), updated_at = COALESCE($4, now())
     WHERE customer_id = $1`,
    [customerId, version, reason, at],
  );
}
