import type { Migration } from '@stockflow/postgres';
import { indexLegacyPhoneRows } from './read-model-rows.js';

/**
 * The read models of the notifications context, in its schema beside the event store (ADR 0007).
 * This service migrates them and updates them in the transaction that appends the events they
 * reflect. The notifier (same context, same schema) reads `customers`, `subscriptions` and
 * `phone_opt_outs`, fulfils subscriptions (its own appends, same transaction rule) and writes `inbox`;
 * it migrates its own delivery tables and waits for these first (`NOTIFICATIONS_SCHEMA_MIGRATIONS`).
 * `phoneIndexKey` gives the rows written before the phone blind index theirs (migration 004).
 */
export function notificationsMigrations(phoneIndexKey: Buffer): readonly Migration[] {
  return [
    {
      id: 'notifications-001-read-models',
      sql: (s) => `
        CREATE TABLE ${s}.customers (
          customer_id     text PRIMARY KEY,
          version         integer NOT NULL,
          preferences_set boolean NOT NULL DEFAULT false,
          email           text,
          phone           text,
          locale          text NOT NULL DEFAULT 'en',
          time_zone       text NOT NULL DEFAULT 'UTC',
          email_enabled   boolean NOT NULL DEFAULT false,
          sms_enabled     boolean NOT NULL DEFAULT false,
          web_enabled     boolean NOT NULL DEFAULT true,
          quiet_start     text,
          quiet_end       text,
          updated_at      timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX customers_phone ON ${s}.customers (phone) WHERE phone IS NOT NULL;

        CREATE TABLE ${s}.subscriptions (
          id               uuid PRIMARY KEY,
          seq              bigint GENERATED ALWAYS AS IDENTITY,
          customer_id      text NOT NULL,
          sku              text NOT NULL,
          kind             text NOT NULL CHECK (kind IN ('back-in-stock', 'availability')),
          status           text NOT NULL CHECK (status IN ('active', 'cancelled', 'fulfilled')),
          subscribed_at    timestamptz NOT NULL,
          ended_at         timestamptz,
          restock_event_id uuid,
          version          integer NOT NULL
        );
        -- A customer waits in a SKU's queue once per kind.
        CREATE UNIQUE INDEX subscriptions_one_active ON ${s}.subscriptions (customer_id, sku, kind) WHERE status = 'active';
        -- The wave order: first subscribed first.
        CREATE INDEX subscriptions_queue ON ${s}.subscriptions (sku, kind, subscribed_at, seq) WHERE status = 'active';
        CREATE INDEX subscriptions_customer ON ${s}.subscriptions (customer_id, subscribed_at DESC, seq DESC);

        CREATE TABLE ${s}.phone_opt_outs (
          phone      text PRIMARY KEY,
          opted_out  boolean NOT NULL,
          keyword    text NOT NULL,
          version    integer NOT NULL,
          changed_at timestamptz NOT NULL DEFAULT now()
        );

        -- The web channel. Ids are assigned in commit order (the notifier inserts under a transaction-
        -- scoped advisory lock), so "everything after Last-Event-ID" is exact.
        CREATE TABLE ${s}.inbox (
          id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          customer_id     text NOT NULL,
          delivery_id     uuid NOT NULL UNIQUE,
          subscription_id uuid,
          sku             text NOT NULL,
          kind            text NOT NULL,
          title           text NOT NULL,
          body            text NOT NULL,
          link            text,
          created_at      timestamptz NOT NULL DEFAULT now(),
          read_at         timestamptz
        );
        CREATE INDEX inbox_customer ON ${s}.inbox (customer_id, id DESC);
      `,
    },
    {
      // Contact confirmation (ADR 0028): the address each channel has confirmed, and the confirmations
      // themselves. `code` is the one-time code on its way to the notifier, which sends it and clears it:
      // the only place it exists (never in an event or a log). The rest is the state the decisions need.
      id: 'notifications-002-contact-confirmation',
      sql: (s) => `
        ALTER TABLE ${s}.customers ADD COLUMN confirmed_email text, ADD COLUMN confirmed_phone text;

        CREATE TABLE ${s}.contact_confirmations (
          confirmation_id uuid PRIMARY KEY,
          customer_id     text NOT NULL,
          channel         text NOT NULL CHECK (channel IN ('email', 'sms')),
          address         text NOT NULL,
          code_hash       text NOT NULL,
          salt            text NOT NULL,
          expires_at      timestamptz NOT NULL,
          max_attempts    integer NOT NULL,
          attempts        integer NOT NULL DEFAULT 0,
          locked          boolean NOT NULL DEFAULT false,
          finished        boolean NOT NULL DEFAULT false,
          locale          text NOT NULL,
          code            text,
          send_status     text NOT NULL DEFAULT 'queued' CHECK (send_status IN ('queued', 'sent', 'dead')),
          send_attempts   integer NOT NULL DEFAULT 0,
          next_send_at    timestamptz NOT NULL DEFAULT now(),
          last_error      text,
          sent_at         timestamptz,
          created_at      timestamptz NOT NULL DEFAULT now()
        );
        -- One live confirmation per customer and channel: a new request replaces the old one.
        CREATE UNIQUE INDEX contact_confirmations_live ON ${s}.contact_confirmations (customer_id, channel) WHERE NOT finished;
        CREATE INDEX contact_confirmations_to_send ON ${s}.contact_confirmations (next_send_at) WHERE send_status = 'queued';
      `,
    },
    {
      // Per-customer data keys (ADR 0029): contact details in the customer's events are sealed with theirs;
      // erasure deletes the row, and every sealed value of theirs in the log and in JetStream is noise.
      id: 'notifications-003-customer-keys',
      sql: (s) => `
        CREATE TABLE ${s}.customer_keys (
          customer_id text PRIMARY KEY,
          key         bytea NOT NULL CHECK (length(key) = 32),
          created_at  timestamptz NOT NULL DEFAULT now()
        );
      `,
    },
    {
      // Phone numbers' blind index (ADR 0029): opt-outs are keyed by the keyed hash of the number, not the
      // number, and each customer row carries the index of its phone for the join. The rows written
      // before get theirs in the same transaction (SQL cannot compute the hash), then the number goes.
      id: PHONE_BLIND_INDEX_MIGRATION,
      sql: (s) => `
        ALTER TABLE ${s}.customers ADD COLUMN phone_index text;
        CREATE INDEX customers_phone_index ON ${s}.customers (phone_index);
        ALTER TABLE ${s}.phone_opt_outs ADD COLUMN phone_index text;
      `,
      after: async (client, s) => {
        await indexLegacyPhoneRows(client, s, phoneIndexKey);
        await client.query(`
          ALTER TABLE ${s}.phone_opt_outs DROP CONSTRAINT phone_opt_outs_pkey;
          ALTER TABLE ${s}.phone_opt_outs DROP COLUMN phone;
          ALTER TABLE ${s}.phone_opt_outs ADD PRIMARY KEY (phone_index);
        `);
      },
    },
    {
      // A hard bounce or complaint suppresses the customer's address until they confirm it again (ADR 0032).
      id: EMAIL_SUPPRESSION_MIGRATION,
      sql: (s) => `ALTER TABLE ${s}.customers ADD COLUMN email_suppressed_reason text, ADD COLUMN email_suppressed_at timestamptz;`,
    },
  ];
}

export const PHONE_BLIND_INDEX_MIGRATION = 'notifications-004-phone-blind-index';
const EMAIL_SUPPRESSION_MIGRATION = 'notifications-005-email-suppression';

/** The id of the last migration above: the notifier waits until the schema has it. */
export const LATEST_NOTIFICATIONS_MIGRATION = EMAIL_SUPPRESSION_MIGRATION;
