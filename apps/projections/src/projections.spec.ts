// The projections service in-process against the real PostgreSQL and NATS: envelopes published on
// the namespaced context streams become read-model rows, changes reach SSE clients, poison goes to
// the dead-letter stream, redeliveries are skipped, and a rebuild swaps in equal tables.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { deadLetterStreamSpec, DeadLetterHeaders } from '@stockflow/messaging';
import { stockTable, customerOrdersTable, cartsTable, notificationDeliveriesTable, type AnyReadModelTable } from './engine/read-model-tables.js';
import type { RebuildReport } from './engine/rebuild-all.js';
import { durableName } from './engine/live-projector.js';
import { readAllPages, type Page } from '@stockflow/platform';
import { eventually } from '@stockflow/testing';
import { envelope, ProjectionsTestSystem } from './testing/projections-test-system.js';

interface StockView {
  sku: string;
  name: string;
  onHand: number;
  reserved: number;
  available: number;
  status: string;
  updatedAt: string;
}

describe('projections service', () => {
  let sys: ProjectionsTestSystem;
  const stock = (sku: string) => sys.get<StockView>(`/views/stock/${sku}`);
  /** Every page of a list, `limit` items at a time (each page checked to hold no more). */
  const allPages = async <T>(path: string, limit: number): Promise<T[]> => {
    const pages = await readAllPages(async (cursor) => {
      const separator = path.includes('?') ? '&' : '?';
      const response = await sys.get<Page<T>>(`${path}${separator}limit=${limit}${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(response.status).toBe(200);
      expect(response.body.items.length).toBeLessThanOrEqual(limit);
      return response.body;
    }, 1000);
    return pages.flatMap((page) => page.items);
  };
  /** A bad query is a 400 problem naming the field, never a 500. */
  const expectBadQuery = async (path: string, field: string): Promise<void> => {
    const response = await fetch(`${sys.url}${path}`);
    expect([path, response.status]).toEqual([path, 400]);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await response.json()) as { errors?: { field: string }[] };
    expect(problem.errors?.map((e) => e.field)).toContain(field);
  };
  const badPageQueries = async (path: string): Promise<void> => {
    const separator = path.includes('?') ? '&' : '?';
    for (const limit of ['0', '-1', '501', 'abc', '1.5', '']) await expectBadQuery(`${path}${separator}limit=${limit}`, 'limit');
    const otherListsCursor = Buffer.from(JSON.stringify(['views.nothing', 'x'])).toString('base64url');
    const nulInKey = Buffer.from(JSON.stringify(['views.stock', 'a\u0000'])).toString('base64url');
    for (const cursor of ['%00', '%27%3B', 'not-base64-json', otherListsCursor, nulInKey, 'A'.repeat(600)]) await expectBadQuery(`${path}${separator}cursor=${cursor}`, 'cursor');
  };
  const dump = async (spec: AnyReadModelTable): Promise<unknown[]> =>
    (await sys.pool.query(`SELECT * FROM "${sys.schema}".${spec.table} ORDER BY ${spec.key.column}`)).rows;
  const checkpoint = async (projection: string): Promise<{ sequence: number; events_applied: number }> =>
    (await sys.pool.query(`SELECT sequence, events_applied FROM "${sys.schema}".projection_checkpoints WHERE projection = $1`, [projection])).rows[0];

  beforeAll(async () => {
    sys = await ProjectionsTestSystem.start();
  });
  afterAll(async () => {
    await sys?.stop();
  });

  it('projects stock per SKU with its status, and answers 404 for an unknown SKU', async () => {
    await sys.publish('inventory', 'sku', [
      envelope('SkuRegistered', { sku: 'MUG-1', name: 'Mug', lowStockThreshold: 3 }, 'sku-MUG-1'),
      envelope('StockReceived', { sku: 'MUG-1', quantity: 10 }, 'sku-MUG-1'),
      envelope('StockLevelChanged', { sku: 'MUG-1', onHand: 10, reserved: 0, available: 10 }, 'sku-MUG-1'),
      envelope('SkuRegistered', { sku: 'CUP-1', name: 'Cup', lowStockThreshold: 0 }, 'sku-CUP-1'),
      envelope('StockLevelChanged', { sku: 'MUG-1', onHand: 10, reserved: 8, available: 2 }, 'sku-MUG-1'),
    ]);
    const mug = await eventually(() => stock('MUG-1'), (r) => r.status === 200 && r.body.reserved === 8, 10_000, 'MUG-1 reserved 8');
    expect(mug.body).toEqual({ sku: 'MUG-1', name: 'Mug', onHand: 10, reserved: 8, available: 2, status: 'low-stock', updatedAt: expect.any(String) });
    expect((await stock('CUP-1')).body).toMatchObject({ status: 'out-of-stock', available: 0 });
    expect((await stock('NOPE')).status).toBe(404);
  });

  it('pages the stock list by cursor and filters it by status', async () => {
    await sys.publish(
      'inventory',
      'sku',
      Array.from({ length: 5 }, (_, i) => envelope('SkuRegistered', { sku: `PAGE-${i}`, name: `P${i}`, lowStockThreshold: 0 }, `sku-PAGE-${i}`)),
    );
    await eventually(() => stock('PAGE-4'), (r) => r.status === 200);
    const first = await sys.get<{ items: StockView[]; nextCursor: string | null }>('/views/stock?limit=3&status=out-of-stock');
    expect(first.body.items.map((s) => s.sku)).toEqual(['CUP-1', 'PAGE-0', 'PAGE-1']);
    const second = await sys.get<{ items: StockView[]; nextCursor: string | null }>(`/views/stock?limit=3&status=out-of-stock&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((s) => s.sku)).toEqual(['PAGE-2', 'PAGE-3', 'PAGE-4']);
    expect(second.body.nextCursor).toBeNull();
    expect((await sys.get('/views/stock?status=bogus')).status).toBe(400);
    expect((await sys.get('/views/stock?limit=0')).status).toBe(400);
  });

  it('walks the whole stock list two at a time, each SKU once and in order; bad limits and cursors are 400 problems', async () => {
    const everything = await sys.get<Page<StockView>>('/views/stock?limit=500');
    expect(everything.body.nextCursor).toBeNull();
    const skus = everything.body.items.map((s) => s.sku);
    expect(skus.length).toBeGreaterThanOrEqual(7);
    expect((await allPages<StockView>('/views/stock', 2)).map((s) => s.sku)).toEqual(skus);
    expect((await allPages<StockView>('/views/stock?status=out-of-stock', 1)).map((s) => s.sku)).toEqual(everything.body.items.filter((s) => s.status === 'out-of-stock').map((s) => s.sku));
    expect((await sys.get<Page<StockView>>('/views/stock')).body.items).toHaveLength(Math.min(50, skus.length));
    await badPageQueries('/views/stock');
    await badPageQueries('/views/stock?status=in-stock');
  });

  it('projects order summaries per customer and cart views', async () => {
    await sys.publish('carts', 'cart', [
      envelope('CartCreated', { cartId: 'cart-1', customerId: 'alice' }, 'cart-cart-1'),
      envelope('CartLineSet', { cartId: 'cart-1', sku: 'MUG-1', quantity: 2 }, 'cart-cart-1'),
      envelope('CartCheckedOut', { cartId: 'cart-1', customerId: 'alice', orderId: 'o-1', lines: [{ sku: 'MUG-1', quantity: 2 }] }, 'cart-cart-1'),
    ]);
    await sys.publish('orders', 'order', [
      envelope('OrderPlaced', { orderId: 'o-1', customerId: 'alice', lines: [{ sku: 'MUG-1', quantity: 2 }], cartId: 'cart-1' }, 'order-o-1'),
      envelope('OrderConfirmed', { orderId: 'o-1' }, 'order-o-1'),
      envelope('OrderPlaced', { orderId: 'o-2', customerId: 'alice', lines: [{ sku: 'CUP-1', quantity: 1 }], cartId: null }, 'order-o-2'),
      envelope('OrderRejected', { orderId: 'o-2', reason: 'insufficient stock', shortLines: [{ sku: 'CUP-1', requested: 1, available: 0 }] }, 'order-o-2'),
    ]);
    const orders = await eventually(
      () => sys.get<Page<{ orderId: string; status: string }>>('/views/customers/alice/orders'),
      (r) => r.body.items.length === 2 && r.body.items.every((o) => o.status !== 'pending'),
      10_000,
      "alice's orders",
    );
    expect(orders.body.nextCursor).toBeNull();
    expect(orders.body.items.map((o) => [o.orderId, o.status]).sort()).toEqual([
      ['o-1', 'confirmed'],
      ['o-2', 'rejected'],
    ]);
    const cart = await eventually(() => sys.get<{ status: string }>('/views/carts/cart-1'), (r) => r.body?.status === 'checked-out');
    expect(cart.body).toMatchObject({ cartId: 'cart-1', customerId: 'alice', status: 'checked-out', orderId: 'o-1', lines: [{ sku: 'MUG-1', quantity: 2 }] });
    expect((await sys.get('/views/customers/nobody/orders')).body).toEqual({ items: [], nextCursor: null });
    expect((await sys.get('/views/carts/none')).status).toBe(404);
  });

  it("pages a customer's orders newest first, ties in the same millisecond included, past the old cap of 200", async () => {
    const base = Date.parse('2026-06-01T12:00:00.000Z');
    // 230 orders: every ten share one placement instant, so the key's second part (the order id) decides.
    const placed = Array.from({ length: 230 }, (_, i) => ({ orderId: `pg-${String(i).padStart(3, '0')}`, at: new Date(base + Math.floor(i / 10) * 1000).toISOString() }));
    await sys.publish(
      'orders',
      'order',
      placed.map((o) => envelope('OrderPlaced', { orderId: o.orderId, customerId: 'pager', lines: [{ sku: 'MUG-1', quantity: 1 }], cartId: null }, `order-${o.orderId}`, o.at)),
      1000,
    );
    const newestFirst = [...placed].sort((a, b) => (a.at === b.at ? (a.orderId < b.orderId ? 1 : -1) : a.at < b.at ? 1 : -1)).map((o) => o.orderId);
    await eventually(() => sys.get<Page<unknown>>('/views/customers/pager/orders?limit=500'), (r) => r.body.items.length === 230, 20_000, "pager's 230 orders");
    expect((await allPages<{ orderId: string }>('/views/customers/pager/orders', 7)).map((o) => o.orderId)).toEqual(newestFirst);
    expect((await allPages<{ orderId: string }>('/views/customers/pager/orders', 500)).map((o) => o.orderId)).toEqual(newestFirst);
    expect((await sys.get<Page<unknown>>('/views/customers/pager/orders')).body.items).toHaveLength(50);
    await badPageQueries('/views/customers/pager/orders');
    const stockCursor = (await sys.get<Page<unknown>>('/views/stock?limit=1')).body.nextCursor!;
    await expectBadQuery(`/views/customers/pager/orders?cursor=${stockCursor}`, 'cursor');
    const impossibleDate = Buffer.from(JSON.stringify(['views.customer-orders', '2026-02-31T00:00:00.000000Z', 'x'])).toString('base64url');
    await expectBadQuery(`/views/customers/pager/orders?cursor=${impossibleDate}`, 'cursor');
  });

  it('describes every list in its OpenAPI document as { items, nextCursor } with limit and cursor', async () => {
    type Operation = { parameters: { name: string; in: string }[]; responses: Record<string, { content: Record<string, { schema: { properties: Record<string, unknown>; required: string[] } }> }> };
    const document = (await sys.get<{ paths: Record<string, { get: Operation }>; components: { schemas: Record<string, { properties: Record<string, unknown> }> } }>('/docs-json')).body;
    for (const [path, item] of [['/views/stock', 'StockView'], ['/views/customers/{id}/orders', 'OrderSummaryView'], ['/views/notifications/deliveries', 'ChannelDeliveriesView']] as const) {
      const get = document.paths[path]!.get;
      expect(get.parameters.filter((p) => p.in === 'query').map((p) => p.name)).toEqual(expect.arrayContaining(['limit', 'cursor']));
      const schema = get.responses['200']!.content['application/json']!.schema;
      expect([path, schema.required]).toEqual([path, ['items', 'nextCursor']]);
      expect(schema.properties['items']).toEqual({ type: 'array', items: { $ref: `#/components/schemas/${item}` } });
    }
    expect(Object.keys(document.components.schemas['OrderSummaryView']!.properties)).toEqual(expect.arrayContaining(['orderId', 'cartId', 'customerId', 'status']));
    expect(Object.keys(document.components.schemas['CartView']!.properties)).toEqual(expect.arrayContaining(['cartId', 'orderId', 'status']));
  });

  it('streams committed changes to SSE clients', async () => {
    const controller = new AbortController();
    const response = await fetch(`${sys.url}/views/stream`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const sent = Date.now();
    await sys.publish('inventory', 'sku', [envelope('StockLevelChanged', { sku: 'MUG-1', onHand: 50, reserved: 8, available: 42 }, 'sku-MUG-1')]);
    while (!text.includes('"available":42')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    const elapsed = Date.now() - sent;
    controller.abort();
    console.log(`SSE carried the stock change ${elapsed} ms after its publication`);
    expect(text).toMatch(/event: stock\ndata: \{.*"sku":"MUG-1".*"status":"in-stock"/);
  });

  it('dead-letters poison and applies the events behind it', async () => {
    await sys.publishRaw('inventory.sku.StockLevelChanged', '{not json');
    await sys.publish('inventory', 'sku', [
      envelope('StockLevelChanged', { sku: 'MUG-1', onHand: -1, reserved: 0, available: 0 }, 'sku-MUG-1'), // breaks its contract
      envelope('StockLevelChanged', { sku: 'MUG-1', onHand: 60, reserved: 8, available: 52 }, 'sku-MUG-1'),
    ]);
    await eventually(() => stock('MUG-1'), (r) => r.body.available === 52, 10_000, 'the event behind the poison');
    // Both projections of inventory's SKU stream (stock, sku_activity) give each poison message up.
    const dlq = deadLetterStreamSpec({ namespace: sys.namespace });
    const info = await eventually(() => sys.jsm.streams.info(dlq.name), (i) => i.state.messages === 4, 10_000, 'four dead letters');
    expect(info.state.messages).toBe(4);
    const first = await sys.jsm.streams.getMessage(dlq.name, { seq: info.state.first_seq });
    expect(first!.header.get(DeadLetterHeaders.reason)).toBe('malformed-message');
    expect([durableName('stock'), durableName('sku_activity')]).toContain(first!.header.get(DeadLetterHeaders.consumer));

    // The operators' list: per consumer, how many, first and last seen, the newest reason.
    const list = await sys.get<Page<{ consumer: string; count: number; firstSeenAt: string; lastSeenAt: string; lastReason: string; lastError: string }>>('/views/dead-letters');
    expect(list.status).toBe(200);
    expect(list.body.items.map((d) => [d.consumer, d.count, d.lastReason])).toEqual([
      [durableName('sku_activity'), 2, 'invalid-payload'],
      [durableName('stock'), 2, 'invalid-payload'],
    ]);
    for (const d of list.body.items) {
      expect(Date.parse(d.firstSeenAt)).toBeLessThanOrEqual(Date.parse(d.lastSeenAt));
      expect(d.lastError).toMatch(/onHand/);
    }
    expect(await allPages('/views/dead-letters', 1)).toEqual(list.body.items);
    await badPageQueries('/views/dead-letters');
  });

  it('finds stock by SKU prefix or name, lists what needs attention most recently changed first, and pages both', async () => {
    const at = (second: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();
    const registered = (sku: string, name: string, second: number) => envelope('SkuRegistered', { sku, name, lowStockThreshold: 2 }, `sku-${sku}`, at(second));
    const level = (sku: string, available: number, second: number) => envelope('StockLevelChanged', { sku, onHand: available, reserved: 0, available }, `sku-${sku}`, at(second));
    await sys.publish('inventory', 'sku', [
      registered('ATT-LAMP-1', 'Desk lamp', 1),
      registered('ATT-LAMP-2', 'Floor lamp', 2),
      registered('ATT-CHAIR', 'Office chair', 3),
      level('ATT-LAMP-1', 1, 4), // low
      level('ATT-CHAIR', 9, 5), // in stock
      level('ATT-LAMP-2', 0, 6), // out, most recent
    ]);
    await eventually(() => stock('ATT-LAMP-2'), (r) => r.status === 200 && r.body.updatedAt === at(6), 10_000, 'the attention SKUs');
    const search = (q: string) => sys.get<Page<StockView>>(`/views/stock?q=${encodeURIComponent(q)}`).then((r) => r.body.items.map((s) => s.sku));
    expect(await search('att-lamp')).toEqual(['ATT-LAMP-1', 'ATT-LAMP-2']);
    expect(await search('LAMP')).toEqual(['ATT-LAMP-1', 'ATT-LAMP-2']);
    expect(await search('office ch')).toEqual(['ATT-CHAIR']);
    expect(await search('lamp_')).toEqual([]); // `_` is a character here, not a wildcard
    const attention = await sys.get<Page<StockView>>('/views/stock?status=out-of-stock,low-stock&order=recent&q=ATT-');
    expect(attention.body.items.map((s) => [s.sku, s.status])).toEqual([
      ['ATT-LAMP-2', 'out-of-stock'],
      ['ATT-LAMP-1', 'low-stock'],
    ]);
    const recent = await allPages<StockView>('/views/stock?order=recent&q=ATT-', 1);
    expect(recent.map((s) => s.sku)).toEqual(['ATT-LAMP-2', 'ATT-CHAIR', 'ATT-LAMP-1']);
    await badPageQueries('/views/stock?order=recent');
    for (const q of ['', 'x'.repeat(65), "a'b", 'a%', '<script>']) await expectBadQuery(`/views/stock?q=${encodeURIComponent(q)}`, 'q');
    await expectBadQuery('/views/stock?order=name', 'order');
    await expectBadQuery('/views/stock?status=out-of-stock,bogus', 'status');
    // A cursor of the SKU order is not one of the recent order.
    const bySku = await sys.get<Page<StockView>>('/views/stock?limit=1');
    await expectBadQuery(`/views/stock?order=recent&cursor=${bySku.body.nextCursor}`, 'cursor');
  });

  it("details one SKU: its recent events, the reservations held for orders, and the customers waiting", async () => {
    const [o1, o2, o3] = [randomUUID(), randomUUID(), randomUUID()];
    await sys.publish('inventory', 'sku', [
      envelope('SkuRegistered', { sku: 'DET-1', name: 'Detail', lowStockThreshold: 0 }, 'sku-DET-1'),
      envelope('StockReceived', { sku: 'DET-1', quantity: 10 }, 'sku-DET-1'),
      envelope('StockLevelChanged', { sku: 'DET-1', onHand: 10, reserved: 0, available: 10 }, 'sku-DET-1'),
      envelope('StockReserved', { sku: 'DET-1', orderId: o1, quantity: 2 }, 'sku-DET-1'),
      envelope('StockReserved', { sku: 'DET-1', orderId: o2, quantity: 5 }, 'sku-DET-1'),
      envelope('StockReserved', { sku: 'DET-1', orderId: o3, quantity: 1 }, 'sku-DET-1'),
      envelope('ReservationReleased', { sku: 'DET-1', orderId: o1, quantity: 2 }, 'sku-DET-1'),
      envelope('ReservationCommitted', { sku: 'DET-1', orderId: o3, quantity: 1 }, 'sku-DET-1'),
      envelope('StockAdjusted', { sku: 'DET-1', delta: -1, reason: 'damaged' }, 'sku-DET-1'),
      envelope('StockLevelChanged', { sku: 'DET-1', onHand: 8, reserved: 5, available: 3 }, 'sku-DET-1'),
    ]);
    const subscription = (type: string, id: string) => envelope(type, { subscriptionId: id, customerId: `c-${id.slice(0, 4)}`, sku: 'DET-1', ...(type === 'SubscriptionCreated' ? { kind: 'back-in-stock' } : type === 'SubscriptionCancelled' ? { reason: 'customer' } : { restockEventId: randomUUID(), channels: ['web'] }) }, `subscription-${id}`);
    const subs = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await sys.publish('notifications', 'subscription', [
      ...subs.map((id) => subscription('SubscriptionCreated', id)),
      subscription('SubscriptionCancelled', subs[0]!),
      subscription('SubscriptionFulfilled', subs[1]!),
    ]);
    type Detail = { stock: StockView; recent: { type: string; quantity?: number; delta?: number; reason?: string; orderId?: string }[]; reservations: { orderId: string; quantity: number }[]; waiting: number };
    const detail = await eventually(
      () => sys.get<Detail>('/views/stock/DET-1/detail'),
      (r) => r.status === 200 && r.body.waiting === 2 && r.body.recent.length === 8 && r.body.stock.available === 3,
      10_000,
      'the detail of DET-1',
    );
    expect(detail.body.reservations).toEqual([{ orderId: o2, quantity: 5 }]);
    expect(detail.body.recent.map((e) => e.type)).toEqual([
      'StockAdjusted',
      'ReservationCommitted',
      'ReservationReleased',
      'StockReserved',
      'StockReserved',
      'StockReserved',
      'StockReceived',
      'SkuRegistered',
    ]);
    expect(detail.body.recent[0]).toMatchObject({ delta: -1, reason: 'damaged' });
    expect((await sys.get('/views/stock/NOPE/detail')).status).toBe(404);
    await expectBadQuery('/views/stock/%27%3B/detail', 'sku');
  });

  it('counts notification deliveries per channel from the outcomes the notifier publishes', async () => {
    const empty = await sys.get<Page<unknown>>('/views/notifications/deliveries');
    expect(empty.body.nextCursor).toBeNull();
    expect(empty.body.items).toEqual(['email', 'sms', 'web'].map((channel) => ({ channel, delivered: 0, failed: 0, undelivered: 0, lastLatencyMs: null, updatedAt: null })));
    const outcome = (type: string, channel: string, extra: Record<string, unknown>) => {
      const deliveryId = randomUUID();
      const data = { deliveryId, subscriptionId: randomUUID(), customerId: 'ada', sku: 'MUG-1', channel, kind: 'back-in-stock', stockEventId: randomUUID(), attempts: 1, ...extra };
      return envelope(type, data, `delivery-${deliveryId}`);
    };
    const delivered = (channel: string, latencyMs: number) => outcome('NotificationDelivered', channel, { provider: 'p', latencyMs });
    const failed = (channel: string) => outcome('NotificationFailed', channel, { reason: 'refused: 550' });
    const reported = (status: string, errorCode: string | null) => {
      const deliveryId = randomUUID();
      return envelope('SmsDeliveryReported', { deliveryId, customerId: 'ada', sku: 'MUG-1', providerMessageId: `SM${deliveryId.replace(/-/g, '')}`, status, errorCode }, `delivery-${deliveryId}`);
    };
    const events = [delivered('email', 40), delivered('sms', 30), delivered('web', 5), delivered('web', 7), failed('email'), delivered('email', 60), reported('delivered', null), reported('undelivered', '30003')];
    await sys.publish('notifications', 'delivery', events);
    // The relay re-publishing an outcome after a crash (same Nats-Msg-Id) must not count it twice.
    await sys.publish('notifications', 'delivery', [events[0]!]);
    const view = await eventually(
      () => sys.get<Page<{ channel: string; delivered: number; failed: number; undelivered: number; lastLatencyMs: number | null }>>('/views/notifications/deliveries'),
      (r) => r.body.items.reduce((n, c) => n + c.delivered + c.failed + c.undelivered, 0) === 7,
      10_000,
      'six outcomes and one undelivered SMS counted',
    );
    expect(view.body.items.map((c) => [c.channel, c.delivered, c.failed, c.undelivered, c.lastLatencyMs])).toEqual([
      ['email', 2, 1, 0, 60],
      ['sms', 1, 0, 1, 30],
      ['web', 2, 0, 0, 7],
    ]);
    const summary = await sys.get<{ deliveries: unknown[] }>('/views/summary');
    expect(summary.body.deliveries).toEqual(view.body.items);
    expect(await allPages('/views/notifications/deliveries', 1)).toEqual(view.body.items);
    await badPageQueries('/views/notifications/deliveries');
  });

  it('reports projection lag on /metrics and /health/ready', async () => {
    // The pending figure is refreshed from the consumer's info every second.
    const metrics = await eventually(() => fetch(`${sys.url}/metrics`).then((r) => r.text()), (m) => /projection_lag_events\{projection="stock"\} 0/.test(m), 5000, 'stock lag 0');
    expect(metrics).toMatch(/projection_lag_seconds\{projection="customer_orders"\} [\d.e-]+/);
    expect(metrics).toMatch(/projection_events_applied_total\{projection="stock"\} \d+/);
    const ready = await sys.get<{ checks?: Record<string, unknown> } & Record<string, unknown>>('/health/ready');
    expect(ready.status).toBe(200);
    expect(JSON.stringify(ready.body)).toContain('"projectionLag"');
    expect(JSON.stringify(ready.body)).toMatch(/"stock":\{"checkpoint":\d+,"lagEvents":0,"lagMs":0/);
  });

  it('resumes from its PostgreSQL checkpoint after a restart, whatever the consumer state, applying nothing twice', async () => {
    const before = await Promise.all([dump(stockTable), dump(customerOrdersTable), dump(cartsTable), dump(notificationDeliveriesTable)]);
    const marks = await checkpoint('stock');
    await sys.stopService();
    // The consumer's server-side state is not trusted: even with it gone, the restart resumes at checkpoint + 1.
    await sys.jsm.consumers.delete(`${sys.namespace.toUpperCase()}_INVENTORY_EVENTS`, durableName('stock'));
    await sys.startService();
    await sys.publish('inventory', 'sku', [envelope('SkuRegistered', { sku: 'AFTER-1', name: 'After', lowStockThreshold: 0 }, 'sku-AFTER-1')]);
    await eventually(() => stock('AFTER-1'), (r) => r.status === 200, 10_000, 'the event after the replay');
    const after = await checkpoint('stock');
    // Only the one new message was applied.
    expect(after.events_applied).toBe(marks.events_applied + 1);
    expect(after.sequence).toBe(marks.sequence + 1);
    const rows = (await dump(stockTable)).filter((r) => (r as { sku: string }).sku !== 'AFTER-1');
    expect(rows).toEqual(before[0]);
    expect(await dump(customerOrdersTable)).toEqual(before[1]);
    expect(await dump(cartsTable)).toEqual(before[2]);
    expect(await dump(notificationDeliveriesTable)).toEqual(before[3]);
  });

  it('rebuilds every read model from the log into equal tables, fast, while answering queries', async () => {
    // A bulk load: 500 SKUs, 60 stock changes each.
    const skus = 500;
    const changes = 60;
    const events = [];
    for (let s = 0; s < skus; s++) events.push(envelope('SkuRegistered', { sku: `BULK-${s}`, name: `Bulk ${s}`, lowStockThreshold: 5 }, `sku-BULK-${s}`));
    for (let c = 1; c <= changes; c++) {
      for (let s = 0; s < skus; s++) events.push(envelope('StockLevelChanged', { sku: `BULK-${s}`, onHand: 100 + c, reserved: (c * s) % 100, available: 100 + c - ((c * s) % 100) }, `sku-BULK-${s}`));
    }
    await sys.publish('inventory', 'sku', events, 1000);
    await eventually(() => stock(`BULK-${skus - 1}`), (r) => r.body?.onHand === 100 + changes, 60_000, 'the bulk load to be applied');
    const before = await Promise.all([dump(stockTable), dump(customerOrdersTable), dump(cartsTable), dump(notificationDeliveriesTable)]);

    let answered = 0;
    let failed = 0;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const r = await stock('MUG-1');
        if (r.status === 200) answered++;
        else failed++;
      }
    })();
    const rebuilt = await fetch(`${sys.url}/admin/rebuild`, { method: 'POST' });
    polling = false;
    await poller;
    expect(rebuilt.status).toBe(200);
    const report = (await rebuilt.json()) as RebuildReport;
    console.log(
      `rebuild: ${report.events} events in ${report.replayMs} ms = ${report.eventsPerSecond} events/s; ` +
        report.projections.map((p) => `${p.projection} ${p.events} ev ${p.eventsPerSecond}/s`).join(', '),
    );
    const stockReport = report.projections.find((p) => p.projection === 'stock')!;
    expect(stockReport.events).toBeGreaterThanOrEqual(skus * (changes + 1));
    expect(failed).toBe(0);
    expect(answered).toBeGreaterThan(0);
    const after = await Promise.all([dump(stockTable), dump(customerOrdersTable), dump(cartsTable), dump(notificationDeliveriesTable)]);
    expect(after[0]).toEqual(before[0]);
    expect(after[1]).toEqual(before[1]);
    expect(after[2]).toEqual(before[2]);
    expect(after[3]).toEqual(before[3]);
    // The live projector goes on after the swap, from the moved checkpoint.
    await sys.publish('inventory', 'sku', [envelope('StockLevelChanged', { sku: 'MUG-1', onHand: 70, reserved: 0, available: 70 }, 'sku-MUG-1')]);
    await eventually(() => stock('MUG-1'), (r) => r.body.onHand === 70, 10_000, 'a live change after the rebuild');
    expect((await checkpoint('stock')).sequence).toBe((await sys.jsm.streams.info(`${sys.namespace.toUpperCase()}_INVENTORY_EVENTS`)).state.last_seq);
  }, 120_000);
});
