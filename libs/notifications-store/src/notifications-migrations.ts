import type { Migration } from '@stockflow/postgres';

/**
 * The read models of the notifications context, in its schema beside the event store (ADR 0007).
 * This service migrates them and updates them in the transaction that appends the events they
 * reflect. The notifier (same context, same schema) reads `customers`, `subscriptions` and
 * `phone_opt_outs`, fulfils subscriptions (its own appends, same transaction rule) and writes `inbox`;
 * it migrates its own delivery tables and waits for these first (`NOTIFICATIONS_SCHEMA_MIGRATIONS`).
 */
export const notificationsMigrations: readonly Migration[] = [
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
];

/** The id of the last migration above: the notifier waits until the schema has it. */
export const LATEST_NOTIFICATIONS_MIGRATION = notificationsMigrations[notificationsMigrations.length - 1]!.id;
