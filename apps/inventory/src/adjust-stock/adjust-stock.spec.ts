import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { expectProblem, oversizedBody } from '@stockflow/testing';
import { expectRefusedWithoutAppend, startInventoryHarness, typesOf, type InventoryHarness } from '../testing/inventory-harness.js';

describe('POST /skus/:sku/adjustments (real PostgreSQL and NATS)', () => {
  let inv: InventoryHarness;
  const metadata = { correlationId: 'adjust-spec', causationId: null, traceparent: null };

  async function stocked(sku: string, quantity: number, lowStockThreshold = 0): Promise<void> {
    await inv.http().post('/skus').send({ sku, name: `adjust ${sku}`, lowStockThreshold }).expect(201);
    if (quantity > 0) await inv.http().post(`/skus/${sku}/receipts`).send({ quantity }).expect(200);
  }

  beforeAll(async () => {
    inv = await startInventoryHarness();
  }, 30_000);
  afterAll(async () => {
    await inv?.stop();
  });

  it('corrects on-hand stock both ways, with the reason on the event', async () => {
    await stocked('A-1', 10);
    const down = await inv.http().post('/skus/A-1/adjustments').send({ delta: -3, reason: 'two damaged, one lost' });
    expect(down.status).toBe(200);
    expect(down.body).toEqual({ sku: 'A-1', name: 'adjust A-1', onHand: 7, reserved: 0, available: 7, lowStockThreshold: 0, version: 6 });
    expect(down.headers.etag).toBe('"6"');
    const up = await inv.http().post('/skus/A-1/adjustments').send({ delta: 1_000_000_000, reason: 'found a pallet' }).expect(200);
    expect(up.body.onHand).toBe(1_000_000_007);
    const events = await inv.stream('A-1');
    expect(events.filter((e) => e.type === 'StockAdjusted').map((e) => e.data)).toEqual([
      { sku: 'A-1', delta: -3, reason: 'two damaged, one lost' },
      { sku: 'A-1', delta: 1_000_000_000, reason: 'found a pallet' },
    ]);
  });

  it('never drops on-hand below what is reserved: 422 rejected, nothing appended', async () => {
    await stocked('A-2', 10);
    await inv.commands.execute({ type: 'ReserveStock', sku: 'A-2', orderId: 'order-1', quantity: 6 }, { metadata });
    const before = await inv.logState();
    const response = await inv.http().post('/skus/A-2/adjustments').send({ delta: -5, reason: 'count' });
    expectProblem(response, 422);
    expect(response.body.code).toBe('adjustment-below-reserved');
    expect(await inv.logState()).toEqual(before);
    const exact = await inv.http().post('/skus/A-2/adjustments').send({ delta: -4, reason: 'count' }).expect(200);
    expect(exact.body).toMatchObject({ onHand: 6, reserved: 6, available: 0 });
    expect(typesOf(await inv.stream('A-2')).slice(-3)).toEqual(['StockAdjusted', 'StockLevelChanged', 'OutOfStock']);
    expectProblem(await inv.http().post('/skus/A-2/adjustments').send({ delta: -1, reason: 'count' }), 422);
  });

  it('emits LowStock when available crosses the threshold downward, once, and BackInStock after OutOfStock', async () => {
    await stocked('A-3', 10, 4);
    await inv.http().post('/skus/A-3/adjustments').send({ delta: -5, reason: 'count' }).expect(200); // 10 → 5: above 4
    await inv.http().post('/skus/A-3/adjustments').send({ delta: -1, reason: 'count' }).expect(200); // 5 → 4: LowStock
    await inv.http().post('/skus/A-3/adjustments').send({ delta: -1, reason: 'count' }).expect(200); // 4 → 3: still low
    await inv.http().post('/skus/A-3/adjustments').send({ delta: -3, reason: 'count' }).expect(200); // 3 → 0: OutOfStock
    await inv.http().post('/skus/A-3/adjustments').send({ delta: 2, reason: 'found' }).expect(200); // 0 → 2: BackInStock
    const events = await inv.stream('A-3');
    const edges = events.filter((e) => ['LowStock', 'OutOfStock', 'BackInStock'].includes(e.type));
    expect(edges.map((e) => [e.type, e.data])).toEqual([
      ['BackInStock', { sku: 'A-3', available: 10 }],
      ['LowStock', { sku: 'A-3', available: 4, threshold: 4 }],
      ['OutOfStock', { sku: 'A-3' }],
      ['BackInStock', { sku: 'A-3', available: 2 }],
    ]);
  });

  it('applies If-Match: stale is 412 and appends nothing', async () => {
    await stocked('A-4', 5);
    const read = await inv.http().get('/skus/A-4').expect(200);
    await inv.http().post('/skus/A-4/adjustments').set('If-Match', read.headers.etag!).send({ delta: -1, reason: 'count' }).expect(200);
    const before = await inv.logState();
    expectProblem(await inv.http().post('/skus/A-4/adjustments').set('If-Match', read.headers.etag!).send({ delta: -1, reason: 'count' }), 412);
    expect(await inv.logState()).toEqual(before);
  });

  it('replays a repeated Idempotency-Key, and answers 404 for an unknown SKU', async () => {
    await stocked('A-5', 5);
    const first = await inv.http().post('/skus/A-5/adjustments').set('Idempotency-Key', 'adj-A-5').send({ delta: -2, reason: 'count' }).expect(200);
    const replay = await inv.http().post('/skus/A-5/adjustments').set('Idempotency-Key', 'adj-A-5').send({ delta: -2, reason: 'count' }).expect(200);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect((await inv.http().get('/skus/A-5').expect(200)).body.onHand).toBe(3);
    const unknown = await inv.http().post('/skus/NOPE/adjustments').send({ delta: 1, reason: 'count' });
    expectProblem(unknown, 404);
  });

  it('refuses bad input with a field-level 4xx problem and appends nothing', async () => {
    await stocked('A-6', 5);
    type Http = ReturnType<InventoryHarness['http']>;
    const post = (body: unknown, sku = 'A-6') => (http: Http) => http.post(`/skus/${sku}/adjustments`).send(body as object);
    const raw = (body: string, type = 'application/json') => (http: Http) => http.post('/skus/A-6/adjustments').set('Content-Type', type).send(body);
    await expectRefusedWithoutAppend(inv, [
      { name: 'empty object', send: post({}), status: 400, fields: ['delta', 'reason'] },
      { name: 'missing reason', send: post({ delta: 1 }), status: 400, fields: ['reason'] },
      { name: 'missing delta', send: post({ reason: 'count' }), status: 400, fields: ['delta'] },
      { name: 'zero delta', send: post({ delta: 0, reason: 'count' }), status: 400, fields: ['delta'] },
      { name: 'fractional delta', send: post({ delta: -0.5, reason: 'count' }), status: 400, fields: ['delta'] },
      { name: 'delta too large', send: post({ delta: 1_000_000_001, reason: 'count' }), status: 400, fields: ['delta'] },
      { name: 'delta too small', send: post({ delta: -1_000_000_001, reason: 'count' }), status: 400, fields: ['delta'] },
      { name: 'huge delta', send: post({ delta: -1e300, reason: 'count' }), status: 400, fields: ['delta'] },
      { name: 'delta as a string', send: post({ delta: '-1', reason: 'count' }), status: 400, fields: ['delta'] },
      { name: 'reason not a string', send: post({ delta: 1, reason: 7 }), status: 400, fields: ['reason'] },
      { name: 'empty reason', send: post({ delta: 1, reason: '' }), status: 400, fields: ['reason'] },
      { name: 'blank reason', send: post({ delta: 1, reason: ' \t ' }), status: 400, fields: ['reason'] },
      { name: 'reason too long', send: post({ delta: 1, reason: 'r'.repeat(501) }), status: 400, fields: ['reason'] },
      { name: 'unknown field', send: post({ delta: 1, reason: 'count', onHand: 99 }), status: 400, fields: ['onHand'] },
      { name: 'array body', send: raw('[]'), status: 400 },
      { name: 'malformed JSON', send: raw('{"delta": -1, "reason": "x"'), status: 400 },
      { name: 'empty JSON body', send: raw(''), status: 400 },
      { name: 'oversized body', send: raw(oversizedBody({ delta: 1 })), status: 413 },
      { name: 'XML body', send: raw('<delta>1</delta>', 'application/xml'), status: 415 },
      { name: 'bad SKU', send: post({ delta: 1, reason: 'count' }, 'A*B'), status: 400, fields: ['sku'] },
      { name: 'SKU too long', send: post({ delta: 1, reason: 'count' }, 'X'.repeat(65)), status: 400, fields: ['sku'] },
    ]);
  });
});
