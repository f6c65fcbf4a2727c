import { beforeAll, describe, expect, it } from '@jest/globals';
import { OrdersTestSystem, typesAndData } from '../testing/orders-test-system.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const line = (sku: string, quantity: number) => ({ sku, quantity });
const valid = { customerId: 'customer-1', lines: [line('SKU-1', 2)] };

describe('POST /orders (real PostgreSQL and NATS)', () => {
  let system: OrdersTestSystem;
  OrdersTestSystem.forSuite((started) => (system = started));

  describe('bad input: 4xx problem+json, never 5xx, nothing appended', () => {
    beforeAll(async () => {
      // A log that is not empty, and a system at rest, so that any append would move the head.
      system.inventory.stock('SKU-1', 2);
      await system.orderReaches(await system.placeOrder([line('SKU-1', 2)]), 'confirmed');
      await system.quiet();
      expect(await system.lastWritten()).not.toBeNull();
    }, 30_000);

    const many = (n: number) => Array.from({ length: n }, (_, i) => line(`S${i}`, 1));
    const cases: [string, unknown, string[]][] = [
      ['an empty object', {}, ['customerId', 'lines']],
      ['no customerId', { lines: [line('A', 1)] }, ['customerId']],
      ['no lines', { customerId: 'c' }, ['lines']],
      ['a numeric customerId', { ...valid, customerId: 42 }, ['customerId']],
      ['an empty customerId', { ...valid, customerId: '' }, ['customerId']],
      ['a 65-character customerId', { ...valid, customerId: 'c'.repeat(65) }, ['customerId']],
      ['lines as an object', { ...valid, lines: { sku: 'A', quantity: 1 } }, ['lines']],
      ['lines as a string', { ...valid, lines: 'A' }, ['lines']],
      ['an empty line list', { ...valid, lines: [] }, ['lines']],
      ['a duplicate SKU', { ...valid, lines: [line('A', 1), line('B', 1), line('A', 2)] }, ['lines']],
      ['a line that is not an object', { ...valid, lines: [7] }, ['lines[0]']],
      ['a null line', { ...valid, lines: [null] }, ['lines[0]']],
      ['a line without sku', { ...valid, lines: [{ quantity: 1 }] }, ['lines[0].sku']],
      ['a line without quantity', { ...valid, lines: [{ sku: 'A' }] }, ['lines[0].quantity']],
      ['a zero quantity', { ...valid, lines: [line('A', 0)] }, ['lines[0].quantity']],
      ['a negative quantity', { ...valid, lines: [line('A', -3)] }, ['lines[0].quantity']],
      ['a fractional quantity', { ...valid, lines: [line('A', 1.5)] }, ['lines[0].quantity']],
      ['a quantity over 10,000', { ...valid, lines: [line('A', 10_001)] }, ['lines[0].quantity']],
      ['a huge quantity', { ...valid, lines: [line('A', 1e300)] }, ['lines[0].quantity']],
      ['a quantity as a string', { ...valid, lines: [{ sku: 'A', quantity: '2' }] }, ['lines[0].quantity']],
      ['a quantity as a boolean', { ...valid, lines: [{ sku: 'A', quantity: true }] }, ['lines[0].quantity']],
      ['a numeric sku', { ...valid, lines: [{ sku: 12, quantity: 1 }] }, ['lines[0].sku']],
      ['an empty sku', { ...valid, lines: [line('', 1)] }, ['lines[0].sku']],
      ['a 65-character sku', { ...valid, lines: [line('S'.repeat(65), 1)] }, ['lines[0].sku']],
      ['a sku with a space', { ...valid, lines: [line('A B', 1)] }, ['lines[0].sku']],
      ['a sku with a slash', { ...valid, lines: [line('A/B', 1)] }, ['lines[0].sku']],
      ['an unknown top-level field', { ...valid, priority: 'high' }, ['priority']],
      ['an unknown line field', { ...valid, lines: [{ sku: 'A', quantity: 1, price: 3 }] }, ['lines[0].price']],
      ['an id chosen by the client', { ...valid, id: 'mine' }, ['id']],
      ['a JSON array body', [valid], ['customerId', 'lines']],
    ];

    it.each(cases)('rejects %s with 400 and field errors', async (_, body, fields) => {
      const before = await system.lastWritten();
      const response = await system.http.post('/orders').send(body as object);
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.body).toMatchObject({ status: 400, type: 'https://stockflow.dev/problems/validation' });
      const reported = (response.body.errors as { field: string; messages: string[] }[]).map((e) => e.field);
      for (const field of fields) expect(reported).toContain(field);
      for (const error of response.body.errors) expect(error.messages.length).toBeGreaterThan(0);
      expect(response.headers.location).toBeUndefined();
      expect(await system.lastWritten()).toBe(before);
    });

    it('reports every invalid field at once', async () => {
      const response = await system.http.post('/orders').send({ customerId: '', lines: [line('A', 0), line('B b', 1)], extra: 1 });
      expect(response.status).toBe(400);
      expect(response.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['customerId', 'extra', 'lines[0].quantity', 'lines[1].sku']);
    });

    it.each([
      ['malformed JSON', '{"customerId": "c", "lines": [', 'application/json', 400],
      ['a JSON string', '"just a string"', 'application/json', 400],
      ['JSON null', 'null', 'application/json', 400],
      ['an empty JSON body', '', 'application/json', 400],
      ['a text/plain body (parsed as a string, then invalid)', 'customerId=c', 'text/plain', 400],
      ['a form-encoded body (parsed, then invalid)', 'customerId=c', 'application/x-www-form-urlencoded', 400],
      ['an XML body', '<order/>', 'application/xml', 415],
    ])('rejects %s as a problem', async (_, raw, type, status) => {
      const before = await system.lastWritten();
      const response = await system.http.post('/orders').set('content-type', type).send(raw);
      expect(response.status).toBe(status);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.body.status).toBe(status);
      expect(await system.lastWritten()).toBe(before);
    });

    it('rejects 101 lines with 413 problem+json before validation (the route bounds, ADR 0022)', async () => {
      const before = await system.lastWritten();
      const response = await system.http.post('/orders').send({ ...valid, lines: many(101) });
      expect(response.status).toBe(413);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.body).toMatchObject({ status: 413, code: 'too-many-items' });
      expect(response.body.detail).toContain('lines has 101 items');
      expect(await system.lastWritten()).toBe(before);
    });

    it('rejects a body over the route limit (32 KiB) with 413', async () => {
      const before = await system.lastWritten();
      const body = JSON.stringify({ customerId: 'c', lines: [line('A', 1)], padding: 'x'.repeat(32 * 1024) });
      const response = await system.http.post('/orders').set('content-type', 'application/json').send(body);
      expect(response.status).toBe(413);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(await system.lastWritten()).toBe(before);
    });

    it('rejects a malformed Idempotency-Key', async () => {
      const before = await system.lastWritten();
      const response = await system.http.post('/orders').set('Idempotency-Key', 'has spaces in it').send(valid);
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(await system.lastWritten()).toBe(before);
    });
  });

  it('accepts an order: 202, a new UUID, Location, and an OrderPlaced in the order stream', async () => {
    system.inventory.stock('SKU-P1', 10).stock('SKU-P2', 10);
    const response = await system.http.post('/orders').set('X-Correlation-Id', 'corr-place-1').send({ customerId: 'customer-9', lines: [line('SKU-P1', 2), line('SKU-P2', 10_000)] });
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ orderId: expect.stringMatching(UUID) });
    const id = response.body.orderId as string;
    expect(response.headers.location).toBe(`/orders/${id}`);
    const events = await system.orderEvents(id);
    expect(typesAndData(events)).toEqual([
      { type: 'OrderPlaced', data: { orderId: id, customerId: 'customer-9', lines: [line('SKU-P1', 2), line('SKU-P2', 10_000)], cartId: null } },
    ]);
    expect(events[0]).toMatchObject({ correlationId: 'corr-place-1', causationId: null, traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/) });
    const order = await system.http.get(response.headers.location!).expect(200);
    expect(order.body).toMatchObject({ orderId: id, customerId: 'customer-9', lines: [line('SKU-P1', 2), line('SKU-P2', 10_000)] });
  });

  it('accepts 100 lines and quantities up to 10,000', async () => {
    const lines = Array.from({ length: 100 }, (_, i) => line(`BULK.${i}_x-y`, 10_000));
    const response = await system.http.post('/orders').send({ customerId: 'c'.repeat(64), lines });
    expect(response.status).toBe(202);
    expect((await system.orderEvents(response.body.orderId))[0]!.data).toMatchObject({ lines });
  });

  it('gives each order its own id', async () => {
    const a = await system.placeOrder([line('X', 1)]);
    const b = await system.placeOrder([line('X', 1)]);
    expect(a).not.toBe(b);
  });

  it('places one order per Idempotency-Key and replays its id', async () => {
    const key = `place-${Date.now()}`;
    const first = await system.http.post('/orders').set('Idempotency-Key', key).send(valid).expect(202);
    const replay = await system.http.post('/orders').set('Idempotency-Key', key).send(valid).expect(202);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.headers.location).toBe(`/orders/${first.body.orderId}`);
    expect(await system.orderEvents(first.body.orderId)).toHaveLength(1);
    const reused = await system.http.post('/orders').set('Idempotency-Key', key).send({ ...valid, customerId: 'someone-else' });
    expect(reused.status).toBe(422);
    expect(reused.headers['content-type']).toContain('application/problem+json');
  });
});
