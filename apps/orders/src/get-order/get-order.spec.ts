import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { OrdersTestSystem } from '../testing/orders-test-system.js';

describe('GET /orders/:id (real PostgreSQL and NATS)', () => {
  let system: OrdersTestSystem;
  OrdersTestSystem.forSuite((started) => (system = started));

  it('answers the order with its version as the ETag: pending, then confirmed', async () => {
    system.inventory.silence('GET-SLOW');
    const id = await system.placeOrder([{ sku: 'GET-SLOW', quantity: 3 }], 'customer-get');
    const pending = await system.http.get(`/orders/${id}`).expect(200);
    expect(pending.body).toEqual({ orderId: id, customerId: 'customer-get', lines: [{ sku: 'GET-SLOW', quantity: 3 }], status: 'pending', version: 1 });
    expect(pending.headers.etag).toBe('"1"');
    expect(pending.headers['content-type']).toContain('application/json');

    await system.inventory.answer((await waitForRequest(system, id))!, 'reserved');
    const confirmed = await system.orderReaches(id, 'confirmed');
    expect(confirmed).toEqual({ orderId: id, customerId: 'customer-get', lines: [{ sku: 'GET-SLOW', quantity: 3 }], status: 'confirmed', version: 2 });
    const again = await system.http.get(`/orders/${id}`).expect(200);
    expect(again.headers.etag).toBe('"2"');
  });

  it('shows the reason of a rejected order', async () => {
    const id = await system.placeOrder([{ sku: 'GET-NONE', quantity: 1 }]);
    const rejected = await system.orderReaches(id, 'rejected');
    expect(rejected).toMatchObject({ status: 'rejected', reason: 'insufficient stock', version: 2 });
  });

  it('answers 404 problem+json for an unknown order', async () => {
    const response = await system.http.get(`/orders/${randomUUID()}`);
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.body).toMatchObject({ status: 404, code: 'order-not-found' });
  });

  it.each([
    ['65 characters', 'x'.repeat(65)],
    ['a space', 'a%20b'],
    ['a dollar sign', 'a$b'],
    ['a quote', "a'b"],
    ['unicode', '%C3%A9t%C3%A9'],
    ['an encoded slash', 'a%2Fb'],
  ])('answers 400 with a field error for an id with %s', async (_, id) => {
    // The sagas of the orders above finish on their own time: measure once the log is quiet.
    const before = await settledHead(system);
    const response = await system.http.get(`/orders/${id}`);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.body.errors).toEqual([{ field: 'id', messages: [expect.any(String)] }]);
    expect(await system.store.headPosition()).toBe(before);
  });

  it('documents the API in OpenAPI (/docs-json)', async () => {
    const doc = (await system.http.get('/docs-json').expect(200)).body;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/orders', '/orders/{id}', '/orders/{id}/cancel']));
    expect(doc.paths['/orders'].post.responses['202']).toBeDefined();
    expect(doc.paths['/orders/{id}'].get.responses['200']).toBeDefined();
    expect(doc.paths['/orders/{id}/cancel'].post.responses['202']).toBeDefined();
    const { PlaceOrderDto, OrderLineDto, OrderView, CancelOrderDto } = doc.components.schemas;
    expect(PlaceOrderDto.required).toEqual(expect.arrayContaining(['customerId', 'lines']));
    expect(PlaceOrderDto.properties.lines).toMatchObject({ type: 'array', minItems: 1, maxItems: 100 });
    expect(OrderLineDto.properties.quantity).toMatchObject({ minimum: 1, maximum: 10000 });
    expect(OrderLineDto.properties.sku).toMatchObject({ minLength: 1, maxLength: 64 });
    expect(OrderView.properties.status.enum).toEqual(['pending', 'confirmed', 'rejected', 'cancelled']);
    expect(CancelOrderDto.properties.reason).toMatchObject({ maxLength: 500 });
  });

  it('is ready when PostgreSQL (the one pool of requests and the saga) and NATS answer', async () => {
    const ready = await system.http.get('/health/ready').expect(200);
    expect(ready.body.info).toMatchObject({ postgres: { status: 'up' }, nats: { status: 'up' } });
    expect(ready.body.info).not.toHaveProperty('sagaPostgres');
  });

  it('answers 400 problem+json to an id with broken percent-encoding (rejected by the router)', async () => {
    const response = await system.http.get('/orders/a%zzb');
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });

  it('answers 404 for paths that are not orders', async () => {
    expect((await system.http.get('/orders')).status).toBe(404);
    expect((await system.http.get('/orders/a/b')).status).toBe(404);
  });
});

async function waitForRequest(system: OrdersTestSystem, orderId: string) {
  for (let i = 0; i < 400; i++) {
    const [request] = system.inventory.requestsFor(orderId);
    if (request) return request;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no reservation request for ${orderId}`);
}

/** The log's head once it has not moved for 300 ms (nothing else in flight), within 10 s. */
async function settledHead(system: OrdersTestSystem): Promise<string | null> {
  let head = await system.store.headPosition();
  for (const until = Date.now() + 10_000; Date.now() < until; ) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const now = await system.store.headPosition();
    if (now === head) return head;
    head = now;
  }
  return head;
}
