import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { expectNothingAppended, expectProblem, routerRefusedSegments, sendRaw, unparseableBodies } from '@stockflow/testing';
import { badCartIds, badSkus, startCartsTestService, type CartsTestService } from '../testing/carts-test-service.js';

describe('DELETE /carts/:id/lines/:sku (remove a line)', () => {
  let carts: CartsTestService;

  beforeAll(async () => {
    carts = await startCartsTestService();
  });
  afterAll(async () => {
    await carts?.stop();
  });

  async function cartWithLines(...skus: string[]): Promise<string> {
    const id = await carts.createCart('remover');
    for (const sku of skus) await carts.http().put(`/carts/${id}/lines/${sku}`).send({ quantity: 2 }).expect(200);
    return id;
  }

  it('removes the line: 200 with the cart and its new ETag; the other lines keep their order', async () => {
    const id = await cartWithLines('A', 'B', 'C');
    const removed = await carts.http().delete(`/carts/${id}/lines/B`).expect(200);
    expect(removed.headers.etag).toBe('"5"');
    expect(removed.body).toEqual({
      cartId: id,
      customerId: 'remover',
      status: 'open',
      lines: [
        { sku: 'A', quantity: 2 },
        { sku: 'C', quantity: 2 },
      ],
      orderId: null,
      version: 5,
    });
    const { events } = await carts.running.infrastructure.store.readStream(`cart-${id}`);
    expect(events.at(-1)).toMatchObject({ type: 'CartLineRemoved', data: { cartId: id, sku: 'B' } });
    // a removed line can be added again, at the end
    const again = await carts.http().put(`/carts/${id}/lines/B`).send({ quantity: 1 }).expect(200);
    expect(again.body.lines.map((l: { sku: string }) => l.sku)).toEqual(['A', 'C', 'B']);
  });

  it('answers 404 for a line the cart does not have (also one removed already) and for an unknown cart', async () => {
    const id = await cartWithLines('A');
    await carts.http().delete(`/carts/${id}/lines/A`).expect(200);
    await expectNothingAppended(carts, async () => {
      const gone = await carts.http().delete(`/carts/${id}/lines/A`);
      expectProblem(gone, 404);
      expect(gone.body.code).toBe('cart-line-not-found');
      expectProblem(await carts.http().delete(`/carts/${id}/lines/NEVER`), 404);
      const missing = await carts.http().delete('/carts/0b5a3c9e-7d1f-4c2a-9e8b-3f6d2a1c4b5e/lines/A');
      expectProblem(missing, 404);
      expect(missing.body.code).toBe('cart-not-found');
    });
  });

  it('honours If-Match: current → 200, stale → 412', async () => {
    const id = await cartWithLines('A', 'B');
    const read = await carts.http().get(`/carts/${id}`).expect(200);
    await carts.http().delete(`/carts/${id}/lines/A`).set('If-Match', read.headers.etag!).expect(200);
    await expectNothingAppended(carts, async () => {
      expectProblem(await carts.http().delete(`/carts/${id}/lines/B`).set('If-Match', read.headers.etag!), 412);
      expectProblem(await carts.http().delete(`/carts/${id}/lines/B`).set('If-Match', 'three'), 400);
    });
  });

  it('answers 409 on a checked-out cart', async () => {
    const id = await cartWithLines('A');
    await carts.http().post(`/carts/${id}/checkout`).expect(202);
    await expectNothingAppended(carts, async () => {
      const closed = await carts.http().delete(`/carts/${id}/lines/A`);
      expectProblem(closed, 409);
      expect(closed.body.code).toBe('cart-checked-out');
    });
  });

  describe('refuses bad input with a 4xx problem and appends nothing', () => {
    let id: string;
    beforeAll(async () => {
      id = await cartWithLines('A');
    });

    it('accepts an empty body ({} or null) but no fields', async () => {
      const other = await cartWithLines('X', 'Y');
      await carts.http().delete(`/carts/${other}/lines/X`).send({}).expect(200);
      await sendRaw(carts, 'delete', `/carts/${other}/lines/Y`, { contentType: 'application/json', body: 'null' }).then((r) => expect(r.status).toBe(200));
      await expectNothingAppended(carts, async () => {
        expectProblem(await carts.http().delete(`/carts/${id}/lines/A`).send({ quantity: 1 }), 400, ['quantity']);
        expectProblem(await carts.http().delete(`/carts/${id}/lines/A`).send({ sku: 'A', force: true }), 400, ['force', 'sku']);
        expectProblem(await sendRaw(carts, 'delete', `/carts/${id}/lines/A`, { contentType: 'application/json', body: '["A"]' }), 400, ['$']);
        expectProblem(await sendRaw(carts, 'delete', `/carts/${id}/lines/A`, { contentType: 'text/plain', body: 'A' }), 400, ['$']);
      });
    });

    it.each(unparseableBodies().map((c) => [c.name, c] as const))('%s', async (_name, raw) => {
      await expectNothingAppended(carts, async () => {
        expectProblem(await sendRaw(carts, 'delete', `/carts/${id}/lines/A`, raw), raw.status, raw.fields);
      });
    });

    it.each(badSkus.map((c) => [c.name, c.segment] as const))('a SKU with %s → 400 on sku', async (_name, segment) => {
      await expectNothingAppended(carts, async () => {
        expectProblem(await carts.http().delete(`/carts/${id}/lines/${segment}`), 400, ['sku']);
      });
    });

    it.each(badCartIds.map((c) => [c.name, c.segment] as const))('a cart id that is %s → 400 on id', async (_name, segment) => {
      await expectNothingAppended(carts, async () => {
        expectProblem(await carts.http().delete(`/carts/${segment}/lines/A`), 400, ['id']);
      });
    });

    it('URLs the router refuses → 4xx, never 5xx', async () => {
      await expectNothingAppended(carts, async () => {
        for (const { segment, status } of routerRefusedSegments) expect((await carts.http().delete(`/carts/${id}/lines/${segment}`)).status).toBe(status);
      });
    });

    it('leaves the line in place after all of that', async () => {
      expect((await carts.http().get(`/carts/${id}`).expect(200)).body.lines).toEqual([{ sku: 'A', quantity: 2 }]);
    });
  });
});
