import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { expectNothingAppended, expectProblem, routerRefusedSegments, sendRaw, unparseableBodies } from '@stockflow/testing';
import { badCartIds, badSkus, startCartsTestService, type CartsTestService } from '../testing/carts-test-service.js';

describe('PUT /carts/:id/lines/:sku (set a line)', () => {
  let carts: CartsTestService;
  let cartId: string;

  beforeAll(async () => {
    carts = await startCartsTestService();
    cartId = await carts.createCart('setter');
  });
  afterAll(async () => {
    await carts?.stop();
  });

  it('adds a line, then changes its quantity in place: 200 with the cart and its new ETag', async () => {
    const id = await carts.createCart('buyer');
    const added = await carts.http().put(`/carts/${id}/lines/SKU-1`).send({ quantity: 2 }).expect(200);
    expect(added.headers.etag).toBe('"2"');
    expect(added.body).toEqual({ cartId: id, customerId: 'buyer', status: 'open', lines: [{ sku: 'SKU-1', quantity: 2 }], orderId: null, version: 2 });
    await carts.http().put(`/carts/${id}/lines/SKU-2`).send({ quantity: 10_000 }).expect(200);
    const changed = await carts.http().put(`/carts/${id}/lines/SKU-1`).send({ quantity: 5 }).expect(200);
    expect(changed.headers.etag).toBe('"4"');
    expect(changed.body.lines).toEqual([
      { sku: 'SKU-1', quantity: 5 },
      { sku: 'SKU-2', quantity: 10_000 },
    ]);
    const { events } = await carts.running.infrastructure.store.readStream(`cart-${id}`);
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ['CartCreated', { cartId: id, customerId: 'buyer' }],
      ['CartLineSet', { cartId: id, sku: 'SKU-1', quantity: 2 }],
      ['CartLineSet', { cartId: id, sku: 'SKU-2', quantity: 10_000 }],
      ['CartLineSet', { cartId: id, sku: 'SKU-1', quantity: 5 }],
    ]);
  });

  it('is idempotent: setting the quantity a line has records nothing and answers the current cart', async () => {
    const id = await carts.createCart();
    await carts.http().put(`/carts/${id}/lines/A`).send({ quantity: 3 }).expect(200);
    await expectNothingAppended(carts, async () => {
      const again = await carts.http().put(`/carts/${id}/lines/A`).send({ quantity: 3 }).expect(200);
      expect(again.headers.etag).toBe('"2"');
      expect(again.body).toMatchObject({ lines: [{ sku: 'A', quantity: 3 }], version: 2 });
    });
  });

  it('accepts every SKU character class and the id in upper case', async () => {
    const id = await carts.createCart();
    const sku = 'Az09._-' + 'x'.repeat(57);
    const set = await carts.http().put(`/carts/${id.toUpperCase()}/lines/${sku}`).send({ quantity: 1 }).expect(200);
    expect(set.body).toMatchObject({ cartId: id, lines: [{ sku, quantity: 1 }] });
  });

  describe('If-Match', () => {
    it('applies the change when the version is current and answers 412 when it is stale', async () => {
      const id = await carts.createCart();
      const read = await carts.http().get(`/carts/${id}`).expect(200);
      const ok = await carts.http().put(`/carts/${id}/lines/A`).set('If-Match', read.headers.etag!).send({ quantity: 1 }).expect(200);
      expect(ok.headers.etag).toBe('"2"');
      await expectNothingAppended(carts, async () => {
        const stale = await carts.http().put(`/carts/${id}/lines/B`).set('If-Match', read.headers.etag!).send({ quantity: 1 });
        expectProblem(stale, 412);
      });
      await carts.http().put(`/carts/${id}/lines/B`).set('If-Match', ok.headers.etag!).send({ quantity: 1 }).expect(200);
      // a weak tag of the current version is accepted, * means any version
      await carts.http().put(`/carts/${id}/lines/C`).set('If-Match', 'W/"3"').send({ quantity: 1 }).expect(200);
      await carts.http().put(`/carts/${id}/lines/D`).set('If-Match', '*').send({ quantity: 1 }).expect(200);
    });

    it('answers 412 for a version ahead of the cart, even after the cart was cached', async () => {
      const id = await carts.createCart();
      await expectNothingAppended(carts, async () => {
        expectProblem(await carts.http().put(`/carts/${id}/lines/A`).set('If-Match', '"7"').send({ quantity: 1 }), 412);
      });
    });

    it.each(['3', '"abc"', '"1", "2"', '"-1"'])('answers 400 to the malformed If-Match %s', async (ifMatch) => {
      const id = await carts.createCart();
      await expectNothingAppended(carts, async () => {
        expectProblem(await carts.http().put(`/carts/${id}/lines/A`).set('If-Match', ifMatch).send({ quantity: 1 }), 400);
      });
    });
  });

  it('refuses the 101st line with 422 and still changes existing lines', async () => {
    const id = await carts.createCart('bulk');
    for (let i = 0; i < 100; i++) await carts.http().put(`/carts/${id}/lines/S${i}`).send({ quantity: 1 }).expect(200);
    await expectNothingAppended(carts, async () => {
      const refused = await carts.http().put(`/carts/${id}/lines/ONE-TOO-MANY`).send({ quantity: 1 });
      expectProblem(refused, 422);
      expect(refused.body.code).toBe('cart-line-limit-reached');
    });
    await carts.http().put(`/carts/${id}/lines/S0`).send({ quantity: 9 }).expect(200);
    await carts.http().delete(`/carts/${id}/lines/S1`).expect(200);
    const added = await carts.http().put(`/carts/${id}/lines/ONE-MORE`).send({ quantity: 1 }).expect(200);
    expect(added.body.lines).toHaveLength(100);
  });

  it('answers 404 for an unknown cart and 409 for a checked-out one', async () => {
    await expectNothingAppended(carts, async () => {
      const missing = await carts.http().put('/carts/0b5a3c9e-7d1f-4c2a-9e8b-3f6d2a1c4b5e/lines/A').send({ quantity: 1 });
      expectProblem(missing, 404);
      expect(missing.body.code).toBe('cart-not-found');
    });
    const id = await carts.createCart();
    await carts.http().put(`/carts/${id}/lines/A`).send({ quantity: 1 }).expect(200);
    await carts.http().post(`/carts/${id}/checkout`).expect(202);
    await expectNothingAppended(carts, async () => {
      for (const [sku, quantity] of [['A', 2], ['A', 1], ['B', 1]] as const) {
        const closed = await carts.http().put(`/carts/${id}/lines/${sku}`).send({ quantity });
        expectProblem(closed, 409);
        expect(closed.body.code).toBe('cart-checked-out');
      }
    });
  });

  describe('refuses bad input with a 4xx problem and appends nothing', () => {
    const quantityCases: [string, unknown][] = [
      ['no quantity', {}],
      ['quantity null', { quantity: null }],
      ['quantity zero', { quantity: 0 }],
      ['quantity negative', { quantity: -1 }],
      ['quantity negative zero', { quantity: -0 }],
      ['quantity over 10,000', { quantity: 10_001 }],
      ['quantity huge', { quantity: 1e308 }],
      ['quantity beyond the safe integers', { quantity: 2 ** 53 + 2 }],
      ['quantity fractional', { quantity: 1.5 }],
      ['quantity tiny fraction', { quantity: 1.0000001 }],
      ['quantity a numeric string', { quantity: '2' }],
      ['quantity a boolean', { quantity: true }],
      ['quantity an array', { quantity: [2] }],
      ['quantity an object', { quantity: { value: 2 } }],
    ];
    it.each(quantityCases)('%s → 400 on quantity', async (_name, body) => {
      await expectNothingAppended(carts, async () => {
        expectProblem(await carts.http().put(`/carts/${cartId}/lines/A`).send(body as object), 400, ['quantity']);
      });
    });

    it('an unknown field → 400 naming it; a sku in the body is not taken from there', async () => {
      await expectNothingAppended(carts, async () => {
        expectProblem(await carts.http().put(`/carts/${cartId}/lines/A`).send({ quantity: 1, price: 10 }), 400, ['price']);
        expectProblem(await carts.http().put(`/carts/${cartId}/lines/A`).send({ quantity: 1, sku: 'B' }), 400, ['sku']);
      });
    });

    it.each([
      ['no body at all', undefined, undefined, ['quantity']],
      ['JSON null', 'application/json', 'null', ['quantity']],
      ['a JSON array', 'application/json', '[]', ['quantity']],
      ['a JSON number', 'application/json', '2', ['quantity']],
      ['plain text', 'text/plain', '2', ['quantity']],
      ['a number written with an exponent over the limit', 'application/json', '{"quantity": 1e5}', ['quantity']],
    ])('%s → 400 with field errors', async (_name, contentType, body, fields) => {
      await expectNothingAppended(carts, async () => {
        expectProblem(await sendRaw(carts, 'put', `/carts/${cartId}/lines/A`, { contentType, body }), 400, fields);
      });
    });

    it.each(unparseableBodies().map((c) => [c.name, c] as const))('%s', async (_name, raw) => {
      await expectNothingAppended(carts, async () => {
        expectProblem(await sendRaw(carts, 'put', `/carts/${cartId}/lines/A`, raw), raw.status, raw.fields);
      });
    });

    it.each(badSkus.map((c) => [c.name, c.segment] as const))('a SKU with %s → 400 on sku', async (_name, segment) => {
      await expectNothingAppended(carts, async () => {
        expectProblem(await carts.http().put(`/carts/${cartId}/lines/${segment}`).send({ quantity: 1 }), 400, ['sku']);
      });
    });

    it.each(badCartIds.map((c) => [c.name, c.segment] as const))('a cart id that is %s → 400 on id', async (_name, segment) => {
      await expectNothingAppended(carts, async () => {
        expectProblem(await carts.http().put(`/carts/${segment}/lines/A`).send({ quantity: 1 }), 400, ['id']);
      });
    });

    it('a bad id and a bad SKU together → 400 naming both', async () => {
      await expectNothingAppended(carts, async () => {
        expectProblem(await carts.http().put('/carts/nope/lines/a%20b').send({ quantity: 1 }), 400, ['id', 'sku']);
        // Path and body are validated separately; one of them is reported, never a 5xx.
        const both = await carts.http().put('/carts/nope/lines/a%20b').send({ quantity: 0 });
        expectProblem(both, 400);
        expect(both.body.errors.length).toBeGreaterThan(0);
      });
    });

    it('URLs the router refuses → 4xx, never 5xx', async () => {
      await expectNothingAppended(carts, async () => {
        for (const { segment, status } of routerRefusedSegments) {
          expect((await carts.http().put(`/carts/${cartId}/lines/${segment}`).send({ quantity: 1 })).status).toBe(status);
        }
      });
    });

    it('a missing SKU segment → 404 problem', async () => {
      expectProblem(await carts.http().put(`/carts/${cartId}/lines/`).send({ quantity: 1 }), 404);
    });
  });
});
