import { beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { eventually } from '@stockflow/testing';
import { OrdersTestSystem, typesAndData } from '../testing/orders-test-system.js';

describe('POST /orders/:id/cancel (real PostgreSQL and NATS)', () => {
  let system: OrdersTestSystem;
  OrdersTestSystem.forSuite((started) => (system = started));

  it('cancels a pending order (empty body), and the saga releases every line', async () => {
    system.inventory.stock('CX-A', 5).silence('CX-B');
    const id = await system.placeOrder([{ sku: 'CX-A', quantity: 2 }, { sku: 'CX-B', quantity: 1 }]);
    await eventually(() => system.inventory.requestsFor(id).length === 2 && system.inventory.answers.length > 0, Boolean, 10_000, 'the requests');

    const response = await system.http.post(`/orders/${id}/cancel`);
    expect(response.status).toBe(202);
    expect(response.body).toEqual({
      orderId: id,
      customerId: 'customer-1',
      lines: [{ sku: 'CX-A', quantity: 2 }, { sku: 'CX-B', quantity: 1 }],
      status: 'cancelled',
      reason: 'cancelled by the customer',
      version: 2,
    });
    expect(response.headers.etag).toBe('"2"');

    await eventually(async () => (await system.sagaEvents(id)).some((e) => e.type === 'OrderSagaCompleted' && (e.data as { outcome: string }).outcome === 'cancelled'), Boolean, 10_000, 'the saga to cancel');
    await system.quiet();
    const saga = typesAndData(await system.sagaEvents(id));
    expect(saga.filter((e) => e.type === 'ReservationReleaseRequested').map((e) => (e.data as { sku: string }).sku)).toEqual(['CX-A', 'CX-B']);
    expect(saga.filter((e) => e.type === 'OrderSagaCompleted').map((e) => e.data)).toEqual([{ orderId: id, outcome: 'cancelled' }]);
    await eventually(() => system.inventory.releasesFor(id).length === 2, Boolean, 10_000, 'the releases on NATS');
    expect(await system.deadlineRows(id)).toBe(0);
    expect((await system.order(id)).status).toBe('cancelled');
  });

  it('cancels a confirmed order with a reason, and releases every line', async () => {
    system.inventory.stock('CY-A', 1);
    const id = await system.placeOrder([{ sku: 'CY-A', quantity: 1 }]);
    const confirmed = await system.orderReaches(id, 'confirmed');
    const response = await system.http.post(`/orders/${id}/cancel`).set('If-Match', `"${confirmed.version}"`).send({ reason: 'found it cheaper' });
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ status: 'cancelled', reason: 'found it cheaper', version: 3 });
    await eventually(() => system.inventory.releasesFor(id).length === 1, Boolean, 10_000, 'the release');
    const completions = (await system.sagaEvents(id)).filter((e) => e.type === 'OrderSagaCompleted').map((e) => (e.data as { outcome: string }).outcome);
    expect(completions).toEqual(['confirmed', 'cancelled']);
  });

  it('answers 409 for an order that is cancelled or rejected already', async () => {
    const rejectedId = await system.placeOrder([{ sku: 'CZ-NONE', quantity: 1 }]);
    await system.orderReaches(rejectedId, 'rejected');
    const onRejected = await system.http.post(`/orders/${rejectedId}/cancel`).send({});
    expect(onRejected.status).toBe(409);
    expect(onRejected.headers['content-type']).toContain('application/problem+json');
    expect(onRejected.body).toMatchObject({ code: 'order-not-cancellable' });

    system.inventory.silence('CZ-SLOW');
    const id = await system.placeOrder([{ sku: 'CZ-SLOW', quantity: 1 }]);
    await system.http.post(`/orders/${id}/cancel`).send({}).expect(202);
    const twice = await system.http.post(`/orders/${id}/cancel`).send({});
    expect(twice.status).toBe(409);
    expect(await system.orderEvents(id)).toHaveLength(2);
  });

  it('answers 412 to a stale If-Match, 400 to a malformed one, and changes nothing', async () => {
    system.inventory.stock('CW-A', 1);
    const id = await system.placeOrder([{ sku: 'CW-A', quantity: 1 }]);
    await system.orderReaches(id, 'confirmed');
    await system.quiet();
    const before = await system.store.headPosition();
    const stale = await system.http.post(`/orders/${id}/cancel`).set('If-Match', '"1"').send({});
    expect(stale.status).toBe(412);
    expect(stale.headers['content-type']).toContain('application/problem+json');
    const malformed = await system.http.post(`/orders/${id}/cancel`).set('If-Match', 'version-2').send({});
    expect(malformed.status).toBe(400);
    expect(await system.store.headPosition()).toBe(before);
    expect((await system.order(id)).status).toBe('confirmed');
  });

  it('answers 404 for an unknown order', async () => {
    const response = await system.http.post(`/orders/${randomUUID()}/cancel`).send({});
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ code: 'order-not-found' });
  });

  it('cancels once per Idempotency-Key and replays the result', async () => {
    system.inventory.silence('CV-SLOW');
    const id = await system.placeOrder([{ sku: 'CV-SLOW', quantity: 1 }]);
    const first = await system.http.post(`/orders/${id}/cancel`).set('Idempotency-Key', `cancel-${id}`).send({ reason: 'r' }).expect(202);
    const replay = await system.http.post(`/orders/${id}/cancel`).set('Idempotency-Key', `cancel-${id}`).send({ reason: 'r' }).expect(202);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.headers.etag).toBe(first.headers.etag);
    expect(await system.orderEvents(id)).toHaveLength(2);
  });

  describe('bad input: 4xx problem+json, never 5xx, nothing appended', () => {
    let id: string;

    beforeAll(async () => {
      system.inventory.stock('CB-A', 1);
      id = await system.placeOrder([{ sku: 'CB-A', quantity: 1 }]);
      await system.orderReaches(id, 'confirmed');
      await system.quiet();
    }, 30_000);

    it.each([
      ['a numeric reason', { reason: 5 }, 'reason'],
      ['a null reason', { reason: null }, null],
      ['an object reason', { reason: { text: 'x' } }, 'reason'],
      ['a reason over 500 characters', { reason: 'r'.repeat(501) }, 'reason'],
      ['an unknown field', { reason: 'ok', force: true }, 'force'],
      ['a JSON array body', [{ reason: 'x' }], null],
    ])('rejects %s', async (_, body, field) => {
      const before = await system.store.headPosition();
      const response = await system.http.post(`/orders/${id}/cancel`).send(body as object);
      if (field === null && response.status === 202) throw new Error('accepted');
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      if (field) expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      expect(await system.store.headPosition()).toBe(before);
    });

    it.each([
      ['malformed JSON', '{"reason": ', 'application/json', 400],
      ['an empty JSON body', '', 'application/json', 400],
      ['an XML body', '<cancel/>', 'application/xml', 415],
    ])('rejects %s', async (_, raw, type, status) => {
      const before = await system.store.headPosition();
      const response = await system.http.post(`/orders/${id}/cancel`).set('content-type', type).send(raw);
      expect(response.status).toBe(status);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(await system.store.headPosition()).toBe(before);
    });

    it('rejects a body over the default route limit (16 KiB, ADR 0022) with 413', async () => {
      const before = await system.store.headPosition();
      const response = await system.http.post(`/orders/${id}/cancel`).set('content-type', 'application/json').send(JSON.stringify({ reason: 'x'.repeat(16 * 1024 + 1) }));
      expect(response.status).toBe(413);
      expect(await system.store.headPosition()).toBe(before);
    });

    it.each([['x'.repeat(65)], ['a%20b'], ['a$b']])('rejects the bad id %s with a field error', async (badId) => {
      const before = await system.store.headPosition();
      const response = await system.http.post(`/orders/${badId}/cancel`).send({});
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([{ field: 'id', messages: [expect.any(String)] }]);
      expect(await system.store.headPosition()).toBe(before);
    });

    it('leaves the order as it was', async () => {
      expect((await system.order(id)).status).toBe('confirmed');
    });
  });
});
