// Test support (not used by main.ts): the notifications service in-process against the real
// PostgreSQL and NATS, in a schema and a subject namespace of its own that `stop()` removes. What
// every service's tests share is in @stockflow/testing; here is only what is this service's own.
import { quoteSchema } from '@stockflow/postgres';
import { startServiceUnderTest, type ServiceUnderTest, TEST_RATE_LIMITS } from '@stockflow/testing';
import { randomUUID } from 'node:crypto';
import { NotificationsConfig } from '../notifications-config.js';
import { startNotificationsService } from '../notifications-service.js';
import { liveInboxSubject, type LiveInboxMessage } from '../shared/live-subject.js';

export interface NotificationsTestService extends Omit<ServiceUnderTest, 'logState'> {
  readonly config: NotificationsConfig;
  /** Number of stored events and the read models' row counts. */
  logState(): Promise<Record<string, number>>;
  /** Inserts an inbox row as the notifier does (commit, then the live message unless `publish` is false). */
  deliverToInbox(customerId: string, fields?: Partial<Pick<LiveInboxMessage, 'sku' | 'kind' | 'title' | 'body' | 'link'>>, publish?: boolean): Promise<LiveInboxMessage>;
}

export async function startNotificationsTestService(overrides: Partial<NotificationsConfig> = {}): Promise<NotificationsTestService> {
  let config!: NotificationsConfig;
  const service = await startServiceUnderTest('t_notif', ({ schema, namespace }, options) => {
    config = Object.assign(new NotificationsConfig(), { DB_SCHEMA: schema, NATS_NAMESPACE: namespace, STOCKFLOW_ENV: 'development' as const, LOG_LEVEL: 'warn' as const, ...TEST_RATE_LIMITS, ...overrides });
    return startNotificationsService(config, options);
  });
  const s = quoteSchema(service.schema);
  const { pool, nats } = service.running.infrastructure;
  return {
    ...service,
    config,
    async logState() {
      const { rows } = await pool.query<Record<string, number>>(
        `SELECT (SELECT count(*)::int FROM ${s}.events) AS events, (SELECT count(*)::int FROM ${s}.customers) AS customers,
                (SELECT count(*)::int FROM ${s}.subscriptions) AS subscriptions, (SELECT count(*)::int FROM ${s}.phone_opt_outs) AS phones,
                (SELECT count(*)::int FROM ${s}.inbox WHERE read_at IS NOT NULL) AS read`,
      );
      return rows[0]!;
    },
    async deliverToInbox(customerId, fields = {}, publish = true) {
      const { rows } = await pool.query<{ id: string; created_at: Date }>(
        `INSERT INTO ${s}.inbox (customer_id, delivery_id, sku, kind, title, body, link) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, created_at`,
        [customerId, randomUUID(), fields.sku ?? 'SKU-1', fields.kind ?? 'back-in-stock', fields.title ?? 'Back in stock', fields.body ?? 'It is back.', fields.link ?? null],
      );
      const message: LiveInboxMessage = {
        id: Number(rows[0]!.id),
        customerId,
        sku: fields.sku ?? 'SKU-1',
        kind: fields.kind ?? 'back-in-stock',
        title: fields.title ?? 'Back in stock',
        body: fields.body ?? 'It is back.',
        link: fields.link ?? null,
        createdAt: rows[0]!.created_at.toISOString(),
      };
      if (publish) nats.publish(liveInboxSubject(service.namespace, customerId), JSON.stringify(message));
      return message;
    },
  };
}

/** Path segments that are not customer ids (URL-encoded). */
export const badCustomerIds: readonly { readonly name: string; readonly segment: string }[] = [
  { name: '65 characters', segment: 'c'.repeat(65) },
  { name: 'blank', segment: '%20%20' },
  { name: 'a NUL', segment: '%00' },
  { name: 'a newline', segment: 'a%0Ab' },
];
