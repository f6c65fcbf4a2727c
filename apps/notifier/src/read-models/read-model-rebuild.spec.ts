// The notifications context's read models are a function of its log: after a workload through both
// of its processes (the API and the notifier), `customers`, `subscriptions` and `phone_opt_outs`
// rebuilt from the log into a fresh schema equal the live tables.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openEventStore } from '@stockflow/platform';
import { rebuildNotificationsReadModels } from '@stockflow/notifications-store';
import { phoneIndexKey } from '@stockflow/notifications-context';
import { createPool, dropSchema, quoteSchema, uniqueSchemaName } from '@stockflow/postgres';
import { eventually } from '@stockflow/testing';
import type { Pool } from 'pg';
import { DEV_UNSUBSCRIBE_SECRET } from '../notifier-config.js';
import { startNotifierHarness, type NotifierHarness } from '../testing/notifier-harness.js';

describe('notifications read models rebuilt from the log', () => {
  let h: NotifierHarness;
  let pool: Pool;
  const rebuilt = uniqueSchemaName('t_notif_rebuild');

  beforeAll(async () => {
    h = await startNotifierHarness();
    pool = createPool({ max: 2 });
  }, 90_000);
  afterAll(async () => {
    await h?.stopNotifier();
    await dropSchema(pool, rebuilt);
    await pool?.end();
    await h?.stop();
  });

  const sms = (phone: string, body: string): Promise<Response> =>
    fetch(`${h.notificationsUrl}/webhooks/sms`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ From: phone, Body: body, To: '+15005550006', MessageSid: 'SM1', AccountSid: 'AC1', NumMedia: '0' }).toString(),
    });

  /** A table's rows in a schema, by key, without the columns that hold the writer's clock. */
  async function rows(schema: string, table: string, key: string, clockColumns: readonly string[]): Promise<Record<string, unknown>[]> {
    const { rows: found } = await pool.query<Record<string, unknown>>(`SELECT * FROM ${quoteSchema(schema)}.${table} ORDER BY ${key}`);
    return found.map((row) => Object.fromEntries(Object.entries(row).filter(([column]) => !clockColumns.includes(column) && column !== 'seq')));
  }

  /** Each SKU's queue of active subscriptions, in wave order. */
  async function queues(schema: string): Promise<string[][]> {
    const { rows: found } = await pool.query<{ ids: string[] }>(
      `SELECT array_agg(id::text ORDER BY subscribed_at, seq) AS ids FROM ${quoteSchema(schema)}.subscriptions WHERE status = 'active' GROUP BY sku, kind ORDER BY sku, kind`,
    );
    return found.map((r) => r.ids);
  }

  it('equals the live customers, subscriptions and phone opt-outs', async () => {
    await h.startNotifier({ WAVE_SIZE: 2 });
    const customers = Array.from({ length: 8 }, (_, i) => `reb-c${i}`);
    for (const [i, id] of customers.entries()) {
      if (i % 4 === 3) continue; // some without preferences: told in the web inbox only
      const prefs = { email: `${id}@example.com`, phone: `+491510000000${i}`, locale: i % 2 ? 'de' : 'en', timeZone: 'Europe/Berlin', channels: { email: true, sms: i % 2 === 0, web: true } };
      await h.preferences(id, prefs); // and confirms the contacts (ContactConfirmed is rebuilt too)
    }
    // A change of preferences, a quiet window.
    await h.preferences('reb-c1', { email: 'reb-c1@example.org', channels: { email: true, sms: false, web: false }, quietHours: { start: '22:00', end: '07:00' } });
    const subscriptions: string[] = [];
    for (const id of customers) {
      const created = await h.api<{ subscriptionId: string }>('POST', '/subscriptions', { customerId: id, sku: 'REB-1' });
      expect(created.status).toBe(201);
      subscriptions.push(created.body.subscriptionId);
    }
    expect((await h.api('POST', '/subscriptions', { customerId: 'reb-c0', sku: 'REB-2', kind: 'availability' })).status).toBe(201);
    expect((await h.api('DELETE', `/subscriptions/${subscriptions[4]}`)).status).toBe(204);
    expect((await sms('+4915100000002', 'STOP')).status).toBe(200);
    expect((await sms('+4915100000006', 'STOP')).status).toBe(200);
    expect((await sms('+4915100000006', 'START')).status).toBe(200);
    expect((await sms('+4915199999999', 'STOP')).status).toBe(200); // a number no customer has

    // A restock of 3 units: the notifier fulfils the first three in the queue, in waves.
    h.stock.set('REB-1', 3);
    await h.restock('REB-1', 3);
    await eventually(
      () => h.query<{ n: number }>(`SELECT count(*)::int AS n FROM $schema.subscriptions WHERE sku = 'REB-1' AND status = 'fulfilled'`),
      (r) => r[0]?.n === 3,
      15_000,
      'three subscriptions fulfilled',
    );
    const [notification] = await eventually(
      () => h.query<{ id: number }>(`SELECT id FROM $schema.inbox WHERE customer_id = 'reb-c0' AND sku = 'REB-1'`),
      (r) => r.length === 1,
      15_000,
      'reb-c0 told in the inbox',
    );
    expect((await h.api('POST', `/customers/reb-c0/notifications/${notification!.id}/read`)).status).toBe(204);
    // Someone told in the inbox without preferences, then reading it: a customers row of versions only.
    // A hard bounce of reb-c1's confirmation code suppresses the address (EmailSuppressed, ADR 0032).
    const [confirmation] = await h.query<{ confirmation_id: string }>(`SELECT confirmation_id FROM $schema.contact_confirmations WHERE customer_id = 'reb-c1' AND channel = 'email'`);
    const bounce = await fetch(`${h.notificationsUrl}/webhooks/email/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ 'event-data': { event: 'failed', severity: 'permanent', recipient: 'reb-c1@example.org', message: { headers: { 'message-id': `<${confirmation!.confirmation_id}@notifier.stockflow>` } } } }),
    });
    expect(bounce.status).toBe(204);
    expect(await h.query(`SELECT email_suppressed_reason FROM $schema.customers WHERE customer_id = 'reb-c1'`)).toEqual([{ email_suppressed_reason: 'bounce' }]);
    await h.stopNotifier();

    const startedAt = performance.now();
    const log = await openEventStore({ pool, schema: h.schema });
    const { applied } = await rebuildNotificationsReadModels(log, pool, rebuilt, { keysSchema: h.schema, phoneIndexKey: phoneIndexKey(DEV_UNSUBSCRIBE_SECRET) });
    console.log(`notifications read models rebuilt from ${applied} events in ${Math.round(performance.now() - startedAt)} ms`);
    expect(applied).toBeGreaterThan(20);

    // The writer's clock: updated_at, and when a suppression was recorded (the rebuild has the event's time).
    const customerClocks = ['updated_at', 'email_suppressed_at'];
    expect(await rows(rebuilt, 'customers', 'customer_id', customerClocks)).toEqual(await rows(h.schema, 'customers', 'customer_id', customerClocks));
    expect(await rows(rebuilt, 'subscriptions', 'id', ['subscribed_at', 'ended_at'])).toEqual(await rows(h.schema, 'subscriptions', 'id', ['subscribed_at', 'ended_at']));
    expect(await rows(rebuilt, 'phone_opt_outs', 'phone_index', ['changed_at'])).toEqual(await rows(h.schema, 'phone_opt_outs', 'phone_index', ['changed_at']));
    // The wave order survives: the same queues, in the same order; every end has its time.
    expect(await queues(rebuilt)).toEqual(await queues(h.schema));
    const ended = `SELECT count(*)::int AS n FROM %s.subscriptions WHERE (status = 'active') <> (ended_at IS NULL)`;
    expect((await pool.query(ended.replace('%s', quoteSchema(rebuilt)))).rows[0].n).toBe(0);
    expect((await pool.query(ended.replace('%s', quoteSchema(h.schema)))).rows[0].n).toBe(0);
    const live = await rows(h.schema, 'subscriptions', 'id', []);
    expect(live.filter((s) => s['status'] === 'fulfilled')).toHaveLength(3);
    expect(live.filter((s) => s['status'] === 'cancelled')).toHaveLength(1);
  }, 60_000);
});
