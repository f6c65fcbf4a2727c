import type { NatsConnection } from '@nats-io/nats-core';
import type { PoolClient } from 'pg';
import { renderWeb, type NotificationKind } from '../templates/templates.js';

/**
 * The live-inbox subject, as the notifications service subscribes to it (apps/notifications/src/shared/live-subject.ts):
 * `[<ns>.]live.notifications.inbox.<customer id, or ~base64url of it when not subject-safe>`.
 */
export function liveInboxSubject(namespace: string | undefined, customerId: string): string {
  const token = /^[A-Za-z0-9_-]+$/.test(customerId) ? customerId : `~${Buffer.from(customerId, 'utf8').toString('base64url')}`;
  return `${namespace ? `${namespace}.` : ''}live.notifications.inbox.${token}`;
}

export interface WebDelivery {
  readonly deliveryId: string;
  readonly customerId: string;
  readonly subscriptionId: string;
  readonly sku: string;
  readonly kind: NotificationKind;
  readonly locale: string;
  readonly productName: string;
  readonly available: number | null;
  readonly link: string;
}

export interface InboxRow {
  id: string;
  customer_id: string;
  delivery_id: string;
  sku: string;
  kind: string;
  title: string;
  body: string;
  link: string | null;
  created_at: Date;
}

/**
 * The web channel: inbox rows, written in the transaction that marks their deliveries `sent` (the
 * planning transaction for deliveries due at once, the dispatcher's for held ones), so the row and
 * "sent" commit together: no crash window. They are announced on core NATS after the commit. Inbox ids follow commit
 * order: the insert takes a transaction lock held to the commit, so a stream resuming after id N
 * cannot miss a smaller id committed later.
 */
export class WebChannel {
  constructor(
    private readonly nats: NatsConnection,
    private readonly namespace: string | undefined,
    private readonly s: string,
    private readonly inboxLockKey: string,
  ) {}

  async insert(client: PoolClient, deliveries: readonly WebDelivery[]): Promise<InboxRow[]> {
    if (deliveries.length === 0) return [];
    const rendered = deliveries.map((d) =>
      renderWeb(d.locale, { kind: d.kind, productName: d.productName, sku: d.sku, available: d.available, link: d.link }),
    );
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [this.inboxLockKey]);
    const { rows } = await client.query<InboxRow>(
      `INSERT INTO ${this.s}.inbox (customer_id, delivery_id, subscription_id, sku, kind, title, body, link)
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
       ORDER BY 2
       ON CONFLICT (delivery_id) DO NOTHING
       RETURNING id, customer_id, delivery_id, sku, kind, title, body, link, created_at`,
      [
        deliveries.map((d) => d.customerId),
        deliveries.map((d) => d.deliveryId),
        deliveries.map((d) => d.subscriptionId),
        deliveries.map((d) => d.sku),
        deliveries.map((d) => d.kind),
        rendered.map((r) => r.title),
        rendered.map((r) => r.body),
        deliveries.map((d) => d.link),
      ],
    );
    return rows.sort((a, b) => Number(a.id) - Number(b.id));
  }

  /** After the commit: one core-NATS message per row, in id order. */
  announce(rows: readonly InboxRow[]): void {
    for (const row of rows) {
      this.nats.publish(
        liveInboxSubject(this.namespace, row.customer_id),
        JSON.stringify({
          id: Number(row.id),
          customerId: row.customer_id,
          sku: row.sku,
          kind: row.kind,
          title: row.title,
          body: row.body,
          link: row.link,
          createdAt: row.created_at.toISOString(),
        }),
      );
    }
  }
}
