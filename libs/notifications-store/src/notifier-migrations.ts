import { migrate, quoteSchema, type Migration } from '@stockflow/postgres';
import type { Pool } from 'pg';
import { LATEST_NOTIFICATIONS_MIGRATION } from './notifications-migrations.js';

/**
 * The notifier's own tables, in the context's schema. The read models it relies on (`customers`,
 * `subscriptions`, `phone_opt_outs`, `inbox`) are migrated by the notifications service (ADR 0007).
 */
export const notifierMigrations: readonly Migration[] = [
  {
    id: 'notifier-001-deliveries',
    sql: (s) => `
      -- What the notifier knows of each SKU from inventory's events (names for templates, the last figures).
      CREATE TABLE ${s}.sku_stock (
        sku        text PRIMARY KEY,
        name       text,
        on_hand    integer,
        reserved   integer,
        available  integer,
        -- Stream position of the StockLevelChanged the figures come from (a retried older one never wins).
        position   bigint,
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      -- One row per availability transition handled: for BackInStock, the fairness budget and its waves.
      CREATE TABLE ${s}.restocks (
        event_id     uuid PRIMARY KEY,
        sku          text NOT NULL,
        kind         text NOT NULL CHECK (kind IN ('back-in-stock', 'low-stock', 'out-of-stock')),
        occurred_at  timestamptz NOT NULL,
        available    integer,
        budget       integer NOT NULL DEFAULT 0,
        notified     integer NOT NULL DEFAULT 0,
        waves        integer NOT NULL DEFAULT 0,
        status       text NOT NULL CHECK (status IN ('open', 'done')),
        closed_by    text,
        correlation_id text NOT NULL,
        traceparent  text,
        next_wave_at timestamptz NOT NULL DEFAULT now(),
        created_at   timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX restocks_open ON ${s}.restocks (next_wave_at) WHERE status = 'open';

      -- The waves of a back-in-stock restock: who was offered the units, and when (offers hold a unit
      -- for OFFER_WINDOW_MS; the next wave is sized to the stock not held by live offers).
      CREATE TABLE ${s}.restock_waves (
        event_id   uuid NOT NULL,
        wave       integer NOT NULL,
        -- Waves after the first run in parallel slices (WAVE_PARALLELISM transactions of WAVE_SIZE).
        slice      integer NOT NULL,
        picked     integer NOT NULL,
        available  integer,
        planned_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (event_id, wave, slice)
      );
      CREATE INDEX restocks_sku ON ${s}.restocks (sku) WHERE status = 'open';

      -- Exactly one delivery per (subscription, transition event, channel): the unique key.
      CREATE TABLE ${s}.deliveries (
        id               uuid PRIMARY KEY,
        subscription_id  uuid NOT NULL,
        event_id         uuid NOT NULL,
        channel          text NOT NULL CHECK (channel IN ('email', 'sms', 'web')),
        customer_id      text NOT NULL,
        sku              text NOT NULL,
        kind             text NOT NULL,
        available        integer,
        status           text NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'dead', 'cancelled')),
        attempts         integer NOT NULL DEFAULT 0,
        next_attempt_at  timestamptz NOT NULL,
        held_until       timestamptz,
        lease_until      timestamptz,
        claimed_by       integer,
        claimed_at       timestamptz,
        -- An attempt was interrupted (its sender died): when that attempt began, to ask the provider.
        resumed          boolean NOT NULL DEFAULT false,
        interrupted_claim_at timestamptz,
        provider         text,
        provider_message_id text,
        recipient        text,
        last_error       text,
        event_occurred_at timestamptz NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        sent_at          timestamptz,
        UNIQUE (subscription_id, event_id, channel)
      );
      CREATE INDEX deliveries_due ON ${s}.deliveries (channel, next_attempt_at) WHERE status IN ('queued', 'failed');
      CREATE INDEX deliveries_sending ON ${s}.deliveries (channel) WHERE status = 'sending';
      CREATE INDEX deliveries_customer ON ${s}.deliveries (customer_id, created_at DESC);

      -- queued, sent, failed (each failed attempt, with the reason), dead, cancelled: per delivery.
      CREATE TABLE ${s}.delivery_log (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        delivery_id uuid NOT NULL,
        channel     text NOT NULL,
        status      text NOT NULL,
        attempt     integer NOT NULL,
        provider    text,
        detail      text,
        at          timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      CREATE INDEX delivery_log_delivery ON ${s}.delivery_log (delivery_id, id);
    `,
  },
  {
    // Daily caps per e-mail address and per phone number (ADR 0028).
    id: 'notifier-002-daily-caps',
    sql: (s) => `
      -- A delivery refused by its recipient's daily cap ends 'capped' (never retried).
      ALTER TABLE ${s}.deliveries DROP CONSTRAINT deliveries_status_check;
      ALTER TABLE ${s}.deliveries ADD CONSTRAINT deliveries_status_check
        CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'dead', 'cancelled', 'capped'));

      -- Messages (notifications and confirmation codes) per recipient and UTC day. recipient_hash is
      -- an HMAC of the channel and the normalized address or number, never the address itself.
      CREATE TABLE ${s}.daily_sends (
        channel        text NOT NULL CHECK (channel IN ('email', 'sms')),
        recipient_hash text NOT NULL,
        day            date NOT NULL,
        sends          integer NOT NULL CHECK (sends > 0),
        PRIMARY KEY (channel, recipient_hash, day)
      );
      CREATE INDEX daily_sends_day ON ${s}.daily_sends (day);

      -- Which message (a delivery id, a confirmation id) was counted on which counter: a retry or a
      -- resumed send of it is not counted again (again only if its recipient changed meanwhile).
      CREATE TABLE ${s}.daily_send_messages (
        message_id     uuid PRIMARY KEY,
        recipient_hash text NOT NULL,
        counted_at     timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX daily_send_messages_counted ON ${s}.daily_send_messages (counted_at);
    `,
  },
  {
    // What the SMS provider reported of each sent message (its status callbacks, ADR 0031).
    id: 'notifier-003-sms-status',
    sql: (s) => `
      ALTER TABLE ${s}.deliveries
        ADD COLUMN provider_status text,
        ADD COLUMN provider_error_code text,
        ADD COLUMN provider_status_at timestamptz;
      CREATE INDEX deliveries_sms_message ON ${s}.deliveries (provider_message_id) WHERE channel = 'sms';

      -- The newest report per message SID, final statuses winning: a callback that arrives before the
      -- notifier has recorded the send waits here, and the send applies it when it commits.
      CREATE TABLE ${s}.sms_status_reports (
        message_sid text PRIMARY KEY,
        status      text NOT NULL,
        error_code  text,
        reported_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX sms_status_reports_reported ON ${s}.sms_status_reports (reported_at);
    `,
  },
];

/**
 * Waits until the notifications service has migrated the schema (the two start together; either may
 * be first), then applies the notifier's own migrations.
 */
export async function prepareSchema(pool: Pool, schema: string, waitMs: number): Promise<void> {
  const s = quoteSchema(schema);
  const until = Date.now() + waitMs;
  for (;;) {
    const { rows } = await pool.query<{ ok: boolean }>(
      `SELECT to_regclass($1) IS NOT NULL AND EXISTS (SELECT 1 FROM ${s}.schema_migrations WHERE id = $2) AS ok`,
      [`${s}.schema_migrations`, LATEST_NOTIFICATIONS_MIGRATION],
    ).catch(() => ({ rows: [{ ok: false }] }));
    if (rows[0]?.ok) break;
    if (Date.now() >= until) {
      throw new Error(`schema ${schema} lacks ${LATEST_NOTIFICATIONS_MIGRATION}: start the notifications service (it creates the read models), or raise SCHEMA_WAIT_MS`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await migrate(pool, schema, notifierMigrations);
}
