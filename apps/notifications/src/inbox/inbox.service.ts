import { Injectable } from '@nestjs/common';
import { customerStreamId, decideMarkRead } from '@stockflow/notifications-context';
import { cursorFormat, pageOf, type Page, type PageRequest } from '@stockflow/platform';
import { saveCustomerVersion } from '@stockflow/notifications-store';
import { NotificationsStore } from '../persistence/notifications-store.js';
import type { InboxItem } from './inbox.dto.js';

export interface InboxRow {
  id: string | number;
  customer_id: string;
  sku: string;
  kind: string;
  title: string;
  body: string;
  link: string | null;
  read_at: Date | null;
  created_at: Date;
}

export function toInboxItem(row: InboxRow): InboxItem {
  return {
    notificationId: Number(row.id),
    sku: row.sku,
    kind: row.kind,
    title: row.title,
    body: row.body,
    link: row.link,
    read: row.read_at !== null,
    createdAt: row.created_at.toISOString(),
  };
}

const COLUMNS = 'id, customer_id, sku, kind, title, body, link, read_at, created_at';

/** The inbox pages newest first by its id. */
export const inboxCursor = cursorFormat('notifications.inbox', ['integer'] as const);

/** The web inbox: rows the notifier wrote, read marks recorded as InboxNotificationRead. */
@Injectable()
export class InboxService {
  constructor(private readonly store: NotificationsStore) {}

  async list(customerId: string, { limit, after }: PageRequest<typeof inboxCursor.kinds>): Promise<Page<InboxItem>> {
    const { rows } = await this.store.pool.query<InboxRow>(
      `SELECT ${COLUMNS} FROM ${this.store.s}.inbox WHERE customer_id = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3`,
      [customerId, after?.[0] ?? null, limit + 1],
    );
    return pageOf(inboxCursor, rows, limit, (row) => [Number(row.id)], toInboxItem);
  }

  /** Rows after `afterId` for the customers, oldest first (stream replay and the poll fallback). */
  async after(customerIds: readonly string[], afterId: number, limit = 1000): Promise<(InboxItem & { customerId: string })[]> {
    const { rows } = await this.store.pool.query<InboxRow>(
      `SELECT ${COLUMNS} FROM ${this.store.s}.inbox WHERE customer_id = ANY($1) AND id > $2 ORDER BY id LIMIT $3`,
      [customerIds, afterId, limit],
    );
    return rows.map((row) => ({ ...toInboxItem(row), customerId: row.customer_id }));
  }

  /** For each customer, up to `perCustomer` rows after its own watermark, oldest first (the poll). */
  async afterEach(customerIds: readonly string[], afterIds: readonly number[], perCustomer = 100): Promise<(InboxItem & { customerId: string })[]> {
    const { rows } = await this.store.pool.query<InboxRow>(
      `SELECT i.* FROM unnest($1::text[], $2::bigint[]) AS w(customer_id, after_id)
       CROSS JOIN LATERAL (
         SELECT ${COLUMNS} FROM ${this.store.s}.inbox
         WHERE customer_id = w.customer_id AND id > w.after_id ORDER BY id LIMIT $3
       ) i
       ORDER BY i.id`,
      [customerIds, afterIds, perCustomer],
    );
    return rows.map((row) => ({ ...toInboxItem(row), customerId: row.customer_id }));
  }

  /** The newest inbox id of a customer (0 when none): where a stream without Last-Event-ID starts. */
  async newestId(customerId: string): Promise<number> {
    const { rows } = await this.store.pool.query<{ id: string | null }>(`SELECT max(id) AS id FROM ${this.store.s}.inbox WHERE customer_id = $1`, [customerId]);
    return Number(rows[0]?.id ?? 0);
  }

  async markRead(customerId: string, notificationId: number): Promise<void> {
    await this.store.transaction(async (client, tx) => {
      await tx.lockStream(customerStreamId(customerId));
      const { rows } = await client.query<{ customer_id: string; read_at: Date | null }>(
        `SELECT customer_id, read_at FROM ${this.store.s}.inbox WHERE id = $1 FOR UPDATE`,
        [notificationId],
      );
      const row = rows[0];
      const events = decideMarkRead(customerId, row ? { customerId: row.customer_id, read: row.read_at !== null } : null, notificationId);
      if (events.length === 0) return;
      const { rows: customer } = await client.query<{ version: number }>(`SELECT version FROM ${this.store.s}.customers WHERE customer_id = $1`, [customerId]);
      const version = await tx.appendForCustomer(customerId, events, customer[0]?.version ?? 0);
      // A customer told in the inbox without preferences gets a row for the stream's version.
      await saveCustomerVersion(client, this.store.s, customerId, version);
      await client.query(`UPDATE ${this.store.s}.inbox SET read_at = now() WHERE id = $1`, [notificationId]);
    });
  }
}
