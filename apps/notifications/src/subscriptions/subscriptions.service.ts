import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  decideCancel,
  decideSubscribe,
  subscriptionStreamId,
  type SubscriptionKind,
  type SubscriptionState,
  type SubscriptionStatus,
} from '@stockflow/notifications-context';
import { cursorFormat, pageOf, type Page, type PageRequest } from '@stockflow/platform';
import { endSubscriptions, insertSubscription } from '@stockflow/notifications-store';
import { NotificationsStore } from '../persistence/notifications-store.js';
import type { SubscriptionView } from './subscriptions.dto.js';

interface SubscriptionRow {
  id: string;
  customer_id: string;
  sku: string;
  kind: SubscriptionKind;
  status: SubscriptionStatus;
  subscribed_at: Date;
  ended_at: Date | null;
  version: number;
}

/** A customer's subscriptions page newest first by (subscribed_at, seq). */
export const customerSubscriptionsCursor = cursorFormat('notifications.customer-subscriptions', ['timestamp', 'integer'] as const);

/** Subscription commands on `subscription-<id>` and the `subscriptions` read model. */
@Injectable()
export class SubscriptionsService {
  constructor(private readonly store: NotificationsStore) {}

  async subscribe(customerId: string, sku: string, kind: SubscriptionKind): Promise<string> {
    const id = randomUUID();
    return this.store.transaction(async (client, tx) => {
      // One queue place per customer, SKU and kind: concurrent twins wait for each other here.
      await tx.lockStream(`subscribe:${customerId}:${sku}:${kind}`);
      const { rows } = await client.query<{ id: string }>(
        `SELECT id FROM ${this.store.s}.subscriptions WHERE customer_id = $1 AND sku = $2 AND kind = $3 AND status = 'active'`,
        [customerId, sku, kind],
      );
      const events = decideSubscribe({ id, customerId, sku, kind }, rows[0] ?? null);
      const version = await tx.append(subscriptionStreamId(id), events, 0);
      await insertSubscription(client, this.store.s, { id, customerId, sku, kind, version });
      return id;
    });
  }

  /** Cancels (the row is locked, so a notifier wave that picks it waits, or has already fulfilled it). */
  async cancel(id: string, reason: 'customer' | 'unsubscribe-link' = 'customer'): Promise<void> {
    await this.store.transaction(async (client, tx) => {
      const { rows } = await client.query<SubscriptionRow>(`SELECT * FROM ${this.store.s}.subscriptions WHERE id = $1 FOR UPDATE`, [id]);
      const row = rows[0];
      const state: SubscriptionState | null = row ? { id: row.id, customerId: row.customer_id, sku: row.sku, kind: row.kind, status: row.status } : null;
      const events = decideCancel(state, id, reason);
      if (events.length === 0) return;
      const version = await tx.append(subscriptionStreamId(id), events, row!.version);
      await endSubscriptions(client, this.store.s, [{ id, version }], { status: 'cancelled' });
    });
  }

  async get(id: string): Promise<SubscriptionView | null> {
    const { rows } = await this.store.pool.query<SubscriptionRow>(`SELECT * FROM ${this.store.s}.subscriptions WHERE id = $1`, [id]);
    return rows[0] ? toView(rows[0]) : null;
  }

  async ofCustomer(customerId: string, { limit, after }: PageRequest<typeof customerSubscriptionsCursor.kinds>): Promise<Page<SubscriptionView>> {
    // subscribed_at to the microsecond in the key, so that the next page starts exactly after the last row.
    const { rows } = await this.store.pool.query<SubscriptionRow & { seq: string; subscribed_at_key: string }>(
      `SELECT *, to_char(subscribed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS subscribed_at_key
       FROM ${this.store.s}.subscriptions
       WHERE customer_id = $1 AND ($2::timestamptz IS NULL OR (subscribed_at, seq) < ($2::timestamptz, $3::bigint))
       ORDER BY subscribed_at DESC, seq DESC LIMIT $4`,
      [customerId, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
    );
    return pageOf(customerSubscriptionsCursor, rows, limit, (row) => [row.subscribed_at_key, Number(row.seq)], toView);
  }
}

function toView(row: SubscriptionRow): SubscriptionView {
  return {
    subscriptionId: row.id,
    customerId: row.customer_id,
    sku: row.sku,
    kind: row.kind,
    status: row.status,
    subscribedAt: row.subscribed_at.toISOString(),
    endedAt: row.ended_at?.toISOString() ?? null,
    version: row.version,
  };
}
