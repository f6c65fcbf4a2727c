import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { expectNothingAppended, expectProblem, routerRefusedSegments } from '@stockflow/testing';
import { badCartIds, startCartsTestService, type CartsTestService } from '../testing/carts-test-service.js';

describe('GET /carts/:id (read a cart)', () => {
  let carts: CartsTestService;

  beforeAll(async () => {
    carts = await startCartsTestService();
  });
  afterAll(async () => {
    await carts?.stop();
  });

  it('shows the cart with its lines, status, order id and version, and the version as ETag', async () => {
    const id = await carts.createCart('reader');
    await carts.http().put(`/carts/${id}/lines/B-2`).send({ quantity: 3 }).expect(200);
    await carts.http().put(`/carts/${id}/lines/A-1`).send({ quantity: 1 }).expect(200);
    const read = await carts.http().get(`/carts/${id}`).expect(200);
    expect(read.headers['content-type']).toContain('application/json');
    expect(read.headers.etag).toBe('"3"');
    expect(read.body).toEqual({
      cartId: id,
      customerId: 'reader',
      status: 'open',
      lines: [
        { sku: 'B-2', quantity: 3 },
        { sku: 'A-1', quantity: 1 },
      ],
      orderId: null,
      version: 3,
    });

    const checkout = await carts.http().post(`/carts/${id}/checkout`).expect(202);
    const closed = await carts.http().get(`/carts/${id}`).expect(200);
    expect(closed.headers.etag).toBe('"4"');
    expect(closed.body).toMatchObject({ status: 'checked-out', orderId: checkout.body.orderId, version: 4 });
  });

  it('reads a cart written by another process (no cached state)', async () => {
    const id = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
    await carts.running.infrastructure.store.appendToStream(`cart-${id}`, [
      { eventId: randomUUID(), type: 'CartCreated', schemaVersion: 1, data: { cartId: id, customerId: 'elsewhere' }, correlationId: 'c', causationId: null, traceparent: null },
      { eventId: randomUUID(), type: 'CartLineSet', schemaVersion: 1, data: { cartId: id, sku: 'X', quantity: 7 }, correlationId: 'c', causationId: null, traceparent: null },
    ]);
    const read = await carts.http().get(`/carts/${id}`).expect(200);
    expect(read.body).toMatchObject({ customerId: 'elsewhere', lines: [{ sku: 'X', quantity: 7 }], version: 2 });
    // and takes commands on it, appending after what the other process wrote
    const set = await carts.http().put(`/carts/${id}/lines/X`).set('If-Match', '"2"').send({ quantity: 8 }).expect(200);
    expect(set.body).toMatchObject({ lines: [{ sku: 'X', quantity: 8 }], version: 3 });
  });

  it('accepts the id in upper case as the same cart', async () => {
    const id = await carts.createCart();
    const read = await carts.http().get(`/carts/${id.toUpperCase()}`).expect(200);
    expect(read.body.cartId).toBe(id);
  });

  it('answers 404 problem+json for an unknown cart', async () => {
    const missing = await carts.http().get('/carts/0b5a3c9e-7d1f-4c2a-9e8b-3f6d2a1c4b5e');
    expectProblem(missing, 404);
    expect(missing.body).toMatchObject({ code: 'cart-not-found', instance: '/carts/0b5a3c9e-7d1f-4c2a-9e8b-3f6d2a1c4b5e' });
    expect(missing.headers.etag).toBeUndefined();
  });

  it.each(badCartIds.map((c) => [c.name, c.segment] as const))('answers 400 on the field id for %s', async (_name, segment) => {
    await expectNothingAppended(carts, async () => {
      expectProblem(await carts.http().get(`/carts/${segment}`), 400, ['id']);
    });
  });

  it('answers 4xx, never 5xx, to URLs the router refuses', async () => {
    for (const { segment, status } of routerRefusedSegments) {
      expect((await carts.http().get(`/carts/${segment}`)).status).toBe(status);
    }
  });

  // Fastify's router refuses these before Nest sees them; the platform still answers problem+json.
  it('answers URLs the router refuses with problem+json (platform: FastifyAdapter frameworkErrors)', async () => {
    for (const { segment, status } of routerRefusedSegments) expectProblem(await carts.http().get(`/carts/${segment}`), status);
  });

  it('publishes an OpenAPI document with every endpoint and its schemas', async () => {
    const doc = (await carts.http().get('/docs-json').expect(200)).body as {
      info: { title: string };
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; responses: Record<string, unknown>; requestBody?: unknown }>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }> };
    };
    expect(doc.info.title).toBe('stockflow carts');
    expect(Object.keys(doc.paths).sort()).toEqual(['/carts', '/carts/{id}', '/carts/{id}/checkout', '/carts/{id}/lines/{sku}'].concat(Object.keys(doc.paths).filter((p) => !p.startsWith('/carts'))).sort());
    expect(Object.keys(doc.paths['/carts']!)).toEqual(['post']);
    expect(Object.keys(doc.paths['/carts/{id}']!)).toEqual(['get']);
    expect(Object.keys(doc.paths['/carts/{id}/lines/{sku}']!).sort()).toEqual(['delete', 'put']);
    expect(Object.keys(doc.paths['/carts/{id}/checkout']!)).toEqual(['post']);
    expect(doc.paths['/carts']!.post!.responses).toHaveProperty('201');
    expect(doc.paths['/carts/{id}/checkout']!.post!.responses).toHaveProperty('202');
    expect(doc.paths['/carts/{id}/checkout']!.post!.responses).toHaveProperty('409');
    const putParams = doc.paths['/carts/{id}/lines/{sku}']!.put!.parameters!.map((p) => `${p.in}:${p.name}`);
    expect(putParams).toEqual(expect.arrayContaining(['path:id', 'path:sku', 'header:If-Match']));
    expect(doc.components.schemas['CreateCartDto']!.required).toEqual(['customerId']);
    expect(doc.components.schemas['SetLineDto']!.properties!['quantity']).toMatchObject({ type: 'integer', minimum: 1, maximum: 10000 });
    expect(Object.keys(doc.components.schemas['CartView']!.properties!).sort()).toEqual(['cartId', 'customerId', 'lines', 'orderId', 'status', 'version']);
  });

  it('serves the platform endpoints: liveness, readiness (PostgreSQL, NATS) and metrics', async () => {
    await carts.http().get('/health/live').expect(200);
    const ready = await carts.http().get('/health/ready').expect(200);
    expect(JSON.stringify(ready.body)).toContain('postgres');
    const metrics = await carts.http().get('/metrics').expect(200);
    expect(metrics.text).toContain('events_appended_total{stream_category="cart"}');
  });
});
