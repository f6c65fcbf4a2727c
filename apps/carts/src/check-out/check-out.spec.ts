import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstreamManager } from '@nats-io/jetstream';
import { contextStreamName, eventSubject } from '@stockflow/contracts';
import { expectNothingAppended, expectProblem, routerRefusedSegments, sendRaw, unparseableBodies } from '@stockflow/testing';
import { badCartIds, startCartsTestService, type CartsTestService } from '../testing/carts-test-service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('POST /carts/:id/checkout (check a cart out)', () => {
  let carts: CartsTestService;

  beforeAll(async () => {
    carts = await startCartsTestService();
  });
  afterAll(async () => {
    await carts?.stop();
  });

  async function cartWithLines(customerId: string, lines: Record<string, number>): Promise<string> {
    const id = await carts.createCart(customerId);
    for (const [sku, quantity] of Object.entries(lines)) await carts.http().put(`/carts/${id}/lines/${sku}`).send({ quantity }).expect(200);
    return id;
  }

  async function checkedOutEvents(id: string): Promise<unknown[]> {
    const { events } = await carts.running.infrastructure.store.readStream(`cart-${id}`);
    return events.filter((e) => e.type === 'CartCheckedOut');
  }

  it('closes the cart: 202 with a new order id, recorded in CartCheckedOut with the customer and the lines', async () => {
    const id = await cartWithLines('buyer-1', { 'SKU-A': 2, 'SKU-B': 1 });
    const accepted = await carts.http().post(`/carts/${id}/checkout`).set('x-correlation-id', 'checkout-1').expect(202);
    expect(accepted.body).toEqual({ orderId: expect.stringMatching(UUID) });
    expect(accepted.headers.etag).toBe('"4"');
    const { orderId } = accepted.body as { orderId: string };

    const cart = await carts.http().get(`/carts/${id}`).expect(200);
    expect(cart.body).toEqual({
      cartId: id,
      customerId: 'buyer-1',
      status: 'checked-out',
      lines: [
        { sku: 'SKU-A', quantity: 2 },
        { sku: 'SKU-B', quantity: 1 },
      ],
      orderId,
      version: 4,
    });
    const [event] = await checkedOutEvents(id);
    expect(event).toMatchObject({
      type: 'CartCheckedOut',
      streamPosition: 4,
      correlationId: 'checkout-1',
      data: { cartId: id, customerId: 'buyer-1', orderId, lines: [{ sku: 'SKU-A', quantity: 2 }, { sku: 'SKU-B', quantity: 1 }] },
    });
  });

  it('closes the cart for good: a second checkout and every change answer 409', async () => {
    const id = await cartWithLines('buyer-2', { A: 1 });
    await carts.http().post(`/carts/${id}/checkout`).expect(202);
    await expectNothingAppended(carts, async () => {
      for (const response of [
        await carts.http().post(`/carts/${id}/checkout`),
        await carts.http().put(`/carts/${id}/lines/A`).send({ quantity: 2 }),
        await carts.http().put(`/carts/${id}/lines/B`).send({ quantity: 1 }),
        await carts.http().delete(`/carts/${id}/lines/A`),
      ]) {
        expectProblem(response, 409);
        expect(response.body.code).toBe('cart-checked-out');
      }
    });
    expect(await checkedOutEvents(id)).toHaveLength(1);
  });

  it('refuses an empty cart with 422, also one emptied by removals', async () => {
    const empty = await carts.createCart('nobody-buys');
    const emptied = await cartWithLines('changed-mind', { A: 1 });
    await carts.http().delete(`/carts/${emptied}/lines/A`).expect(200);
    await expectNothingAppended(carts, async () => {
      for (const id of [empty, emptied]) {
        const refused = await carts.http().post(`/carts/${id}/checkout`);
        expectProblem(refused, 422);
        expect(refused.body).toMatchObject({ code: 'cart-empty', type: 'https://stockflow.dev/problems/business-rule-violation' });
      }
    });
    // still open: fill it and check it out
    await carts.http().put(`/carts/${empty}/lines/A`).send({ quantity: 1 }).expect(200);
    await carts.http().post(`/carts/${empty}/checkout`).expect(202);
  });

  it('answers 404 for an unknown cart', async () => {
    await expectNothingAppended(carts, async () => {
      const missing = await carts.http().post('/carts/0b5a3c9e-7d1f-4c2a-9e8b-3f6d2a1c4b5e/checkout');
      expectProblem(missing, 404);
      expect(missing.body.code).toBe('cart-not-found');
    });
  });

  describe('Idempotency-Key', () => {
    it('replays a retried checkout: the same order id, one CartCheckedOut', async () => {
      const id = await cartWithLines('retrier', { A: 3 });
      const before = await carts.logState();
      const first = await carts.http().post(`/carts/${id}/checkout`).set('Idempotency-Key', `checkout-${id}`).expect(202);
      const retry = await carts.http().post(`/carts/${id}/checkout`).set('Idempotency-Key', `checkout-${id}`).expect(202);
      expect(retry.body).toEqual(first.body);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect((await carts.logState()).events).toBe(before.events + 1);
      expect(await checkedOutEvents(id)).toEqual([expect.objectContaining({ data: expect.objectContaining({ orderId: first.body.orderId }) })]);
      expect((await carts.http().get(`/carts/${id}`)).body.orderId).toBe(first.body.orderId);
      // without the key, a retry is a second checkout of a closed cart
      expectProblem(await carts.http().post(`/carts/${id}/checkout`), 409);
      // the key belongs to that request: another cart with it is refused
      const other = await cartWithLines('retrier', { A: 1 });
      expectProblem(await carts.http().post(`/carts/${other}/checkout`).set('Idempotency-Key', `checkout-${id}`), 422);
      expect(await checkedOutEvents(other)).toHaveLength(0);
    });

    it('does not keep the key of a refused checkout: the retry runs again', async () => {
      const id = await carts.createCart('too-early');
      expectProblem(await carts.http().post(`/carts/${id}/checkout`).set('Idempotency-Key', `early-${id}`), 422);
      await carts.http().put(`/carts/${id}/lines/A`).send({ quantity: 1 }).expect(200);
      const accepted = await carts.http().post(`/carts/${id}/checkout`).set('Idempotency-Key', `early-${id}`).expect(202);
      expect(accepted.headers['idempotent-replayed']).toBeUndefined();
    });

    it('checks a cart out once when the same keyed request races itself', async () => {
      const id = await cartWithLines('racer', { A: 1 });
      const responses = await Promise.all(Array.from({ length: 4 }, () => carts.http().post(`/carts/${id}/checkout`).set('Idempotency-Key', `race-${id}`)));
      const accepted = responses.filter((r) => r.status === 202);
      expect(accepted.length).toBeGreaterThanOrEqual(1);
      expect(new Set(accepted.map((r) => r.body.orderId)).size).toBe(1);
      for (const r of responses.filter((r) => r.status !== 202)) expectProblem(r, 409);
      expect(await checkedOutEvents(id)).toHaveLength(1);
    });
  });

  it('lets exactly one of two concurrent checkouts win; the other gets 409', async () => {
    const id = await cartWithLines('concurrent', { A: 1 });
    const responses = await Promise.all([carts.http().post(`/carts/${id}/checkout`), carts.http().post(`/carts/${id}/checkout`)]);
    expect(responses.map((r) => r.status).sort()).toEqual([202, 409]);
    expect(await checkedOutEvents(id)).toHaveLength(1);
  });

  it('honours If-Match: stale → 412, current → 202', async () => {
    const id = await cartWithLines('careful', { A: 1 });
    const seen = await carts.http().get(`/carts/${id}`).expect(200);
    await carts.http().put(`/carts/${id}/lines/A`).send({ quantity: 2 }).expect(200);
    await expectNothingAppended(carts, async () => {
      expectProblem(await carts.http().post(`/carts/${id}/checkout`).set('If-Match', seen.headers.etag!), 412);
    });
    const current = await carts.http().get(`/carts/${id}`).expect(200);
    const accepted = await carts.http().post(`/carts/${id}/checkout`).set('If-Match', current.headers.etag!).expect(202);
    expect((await checkedOutEvents(id))[0]).toMatchObject({ data: { orderId: accepted.body.orderId, lines: [{ sku: 'A', quantity: 2 }] } });
  });

  describe('refuses bad input with a 4xx problem and appends nothing', () => {
    let id: string;
    beforeAll(async () => {
      id = await cartWithLines('bad-input', { A: 1 });
    });

    it('a body with fields → 400 naming them (the order id is never the client’s)', async () => {
      await expectNothingAppended(carts, async () => {
        expectProblem(await carts.http().post(`/carts/${id}/checkout`).send({ orderId: 'mine' }), 400, ['orderId']);
        expectProblem(await sendRaw(carts, 'post', `/carts/${id}/checkout`, { contentType: 'application/json', body: '[1]' }), 400, ['$']);
        expectProblem(await sendRaw(carts, 'post', `/carts/${id}/checkout`, { contentType: 'application/json', body: '"now"' }), 400, ['$']);
      });
    });

    it.each(unparseableBodies().map((c) => [c.name, c] as const))('%s', async (_name, raw) => {
      await expectNothingAppended(carts, async () => {
        expectProblem(await sendRaw(carts, 'post', `/carts/${id}/checkout`, raw), raw.status, raw.fields);
      });
    });

    it.each(badCartIds.map((c) => [c.name, c.segment] as const))('a cart id that is %s → 400 on id', async (_name, segment) => {
      await expectNothingAppended(carts, async () => {
        expectProblem(await carts.http().post(`/carts/${segment}/checkout`), 400, ['id']);
      });
    });

    it('URLs the router refuses → 4xx, never 5xx', async () => {
      await expectNothingAppended(carts, async () => {
        for (const { segment, status } of routerRefusedSegments) expect((await carts.http().post(`/carts/${segment}/checkout`)).status).toBe(status);
      });
    });

    it('malformed If-Match or Idempotency-Key → 400', async () => {
      await expectNothingAppended(carts, async () => {
        expectProblem(await carts.http().post(`/carts/${id}/checkout`).set('If-Match', 'latest'), 400);
        expectProblem(await carts.http().post(`/carts/${id}/checkout`).set('Idempotency-Key', 'x'.repeat(256)), 400);
      });
    });

    it('leaves the cart open after all of that', async () => {
      expect((await carts.http().get(`/carts/${id}`).expect(200)).body).toMatchObject({ status: 'open', orderId: null });
    });
  });

  it('CartCheckedOut reaches JetStream through the relay in the carts service (ADR 0043), with the order id, customer and lines', async () => {
    const scheme = { namespace: carts.namespace };
    const nats = carts.running.infrastructure.nats;
    const jsm = await jetstreamManager(nats);
    const id = await cartWithLines('published', { 'SKU-1': 4, 'SKU-2': 1 });
    const accepted = await carts.http().post(`/carts/${id}/checkout`).set('x-correlation-id', 'relay-check').expect(202);
    const stream = contextStreamName('carts', scheme);
    const subject = eventSubject('carts', 'cart', 'CartCheckedOut', scheme);
    expect(subject).toBe(`${carts.namespace}.carts.cart.CartCheckedOut`);

    // Other tests' checkouts are on the stream too: find this cart's.
    const deadline = Date.now() + 20_000;
    let message: Awaited<ReturnType<typeof jsm.streams.getMessage>> = null;
    while (!message) {
      const last = await jsm.streams.getMessage(stream, { last_by_subj: subject }).catch(() => null);
      if (last && (last.json() as { data: { cartId: string } }).data.cartId === id) message = last;
      else if (Date.now() > deadline) throw new Error(`CartCheckedOut of ${id} did not reach ${subject}`);
      else await new Promise((r) => setTimeout(r, 25));
    }
    const [stored] = (await checkedOutEvents(id)) as { eventId: string }[];
    expect(message.subject).toBe(subject);
    expect(message.header.get('Nats-Msg-Id')).toBe(stored!.eventId);
    expect(message.json()).toMatchObject({
      eventId: stored!.eventId,
      type: 'CartCheckedOut',
      schemaVersion: 1,
      streamId: `cart-${id}`,
      correlationId: 'relay-check',
      data: {
        cartId: id,
        customerId: 'published',
        orderId: accepted.body.orderId,
        lines: [
          { sku: 'SKU-1', quantity: 4 },
          { sku: 'SKU-2', quantity: 1 },
        ],
      },
    });
  });
});
