import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { expectProblem, oversizedBody } from '@stockflow/testing';
import { expectRefusedWithoutAppend, startInventoryHarness, typesOf, type InventoryHarness } from '../testing/inventory-harness.js';

describe('POST /skus/:sku/receipts (real PostgreSQL and NATS)', () => {
  let inv: InventoryHarness;

  beforeAll(async () => {
    inv = await startInventoryHarness();
    for (const sku of ['R-1', 'R-2', 'R-3', 'R-4', 'R-5']) await inv.http().post('/skus').send({ sku, name: `receipts ${sku}` }).expect(201);
  }, 30_000);
  afterAll(async () => {
    await inv?.stop();
  });

  it('books a receipt and answers with the SKU’s figures and ETag', async () => {
    const response = await inv.http().post('/skus/R-1/receipts').set('X-Correlation-Id', 'corr-receipt-1').send({ quantity: 24 });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ sku: 'R-1', name: 'receipts R-1', onHand: 24, reserved: 0, available: 24, lowStockThreshold: 0, version: 4 });
    expect(response.headers.etag).toBe('"4"');
    const events = await inv.stream('R-1');
    expect(typesOf(events)).toEqual(['SkuRegistered', 'StockReceived', 'StockLevelChanged', 'BackInStock']);
    expect(events.slice(1).map((e) => e.data)).toEqual([
      { sku: 'R-1', quantity: 24 },
      { sku: 'R-1', onHand: 24, reserved: 0, available: 24 },
      { sku: 'R-1', available: 24 },
    ]);
    for (const event of events.slice(1)) expect(event.correlationId).toBe('corr-receipt-1');
    const read = await inv.http().get('/skus/R-1').expect(200);
    expect(read.body).toEqual(response.body);
    expect(read.headers.etag).toBe(response.headers.etag);
  });

  it('emits BackInStock only on the edge: a second receipt while in stock emits none', async () => {
    await inv.http().post('/skus/R-2/receipts').send({ quantity: 1 }).expect(200);
    await inv.http().post('/skus/R-2/receipts').send({ quantity: 2 }).expect(200);
    const third = await inv.http().post('/skus/R-2/receipts').send({ quantity: 1_000_000_000 }).expect(200);
    expect(third.body).toMatchObject({ onHand: 1_000_000_003, available: 1_000_000_003 });
    expect(typesOf(await inv.stream('R-2'))).toEqual([
      'SkuRegistered',
      'StockReceived',
      'StockLevelChanged',
      'BackInStock',
      'StockReceived',
      'StockLevelChanged',
      'StockReceived',
      'StockLevelChanged',
    ]);
  });

  it('applies If-Match: the current version succeeds, a stale one is 412 and appends nothing', async () => {
    const first = await inv.http().post('/skus/R-3/receipts').send({ quantity: 5 }).expect(200);
    const current = await inv.http().post('/skus/R-3/receipts').set('If-Match', first.headers.etag!).send({ quantity: 1 });
    expect(current.status).toBe(200);
    expect(current.body.onHand).toBe(6);
    const before = await inv.logState();
    const stale = await inv.http().post('/skus/R-3/receipts').set('If-Match', first.headers.etag!).send({ quantity: 1 });
    expectProblem(stale, 412);
    const weak = await inv.http().post('/skus/R-3/receipts').set('If-Match', `W/${first.headers.etag}`).send({ quantity: 1 });
    expectProblem(weak, 412);
    const malformed = await inv.http().post('/skus/R-3/receipts').set('If-Match', 'version-6').send({ quantity: 1 });
    expectProblem(malformed, 400);
    expect(await inv.logState()).toEqual(before);
    const any = await inv.http().post('/skus/R-3/receipts').set('If-Match', '*').send({ quantity: 1 });
    expect(any.body.onHand).toBe(7);
  });

  it('replays the first result for a repeated Idempotency-Key without booking twice', async () => {
    const first = await inv.http().post('/skus/R-4/receipts').set('Idempotency-Key', 'receipt-R-4-1').send({ quantity: 3 });
    expect(first.status).toBe(200);
    const replay = await inv.http().post('/skus/R-4/receipts').set('Idempotency-Key', 'receipt-R-4-1').send({ quantity: 3 });
    expect(replay.status).toBe(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    const read = await inv.http().get('/skus/R-4').expect(200);
    expect(read.body.onHand).toBe(3);
    expect(typesOf(await inv.stream('R-4')).filter((t) => t === 'StockReceived')).toHaveLength(1);
    expectProblem(await inv.http().post('/skus/R-4/receipts').set('Idempotency-Key', 'receipt-R-4-1').send({ quantity: 4 }), 422);
  });

  it('answers 404 for an unknown SKU and appends nothing', async () => {
    const before = await inv.logState();
    const response = await inv.http().post('/skus/NOPE-1/receipts').send({ quantity: 1 });
    expectProblem(response, 404);
    expect(response.body.code).toBe('sku-not-found');
    expect(await inv.logState()).toEqual(before);
  });

  it('serialises concurrent receipts of one SKU: none is lost, none fails', async () => {
    const responses = await Promise.all(Array.from({ length: 40 }, () => inv.http().post('/skus/R-5/receipts').send({ quantity: 2 })));
    expect(responses.map((r) => r.status)).toEqual(Array(40).fill(200));
    const read = await inv.http().get('/skus/R-5').expect(200);
    expect(read.body.onHand).toBe(80);
    expect(new Set(responses.map((r) => r.headers.etag)).size).toBe(40);
  });

  it('refuses bad input with a field-level 4xx problem and appends nothing', async () => {
    type Http = ReturnType<InventoryHarness['http']>;
    const post = (body: unknown, sku = 'R-1') => (http: Http) => http.post(`/skus/${sku}/receipts`).send(body as object);
    const raw = (body: string, type = 'application/json') => (http: Http) => http.post('/skus/R-1/receipts').set('Content-Type', type).send(body);
    await expectRefusedWithoutAppend(inv, [
      { name: 'missing quantity', send: post({}), status: 400, fields: ['quantity'] },
      { name: 'zero', send: post({ quantity: 0 }), status: 400, fields: ['quantity'] },
      { name: 'negative', send: post({ quantity: -5 }), status: 400, fields: ['quantity'] },
      { name: 'fraction', send: post({ quantity: 1.5 }), status: 400, fields: ['quantity'] },
      { name: 'too large', send: post({ quantity: 1_000_000_001 }), status: 400, fields: ['quantity'] },
      { name: 'huge', send: post({ quantity: 1e300 }), status: 400, fields: ['quantity'] },
      { name: 'beyond double range', send: raw('{"quantity": 1e400}'), status: 400, fields: ['quantity'] },
      { name: 'numeric string', send: post({ quantity: '5' }), status: 400, fields: ['quantity'] },
      { name: 'boolean', send: post({ quantity: true }), status: 400, fields: ['quantity'] },
      { name: 'null', send: post({ quantity: null }), status: 400, fields: ['quantity'] },
      { name: 'object', send: post({ quantity: { value: 1 } }), status: 400, fields: ['quantity'] },
      { name: 'unknown field', send: post({ quantity: 1, note: 'x' }), status: 400, fields: ['note'] },
      { name: 'array body', send: raw('[{"quantity":1}]'), status: 400 },
      { name: 'number body', send: raw('5'), status: 400, fields: ['quantity'] },
      { name: 'malformed JSON', send: raw('{"quantity": 1'), status: 400 },
      { name: 'trailing garbage', send: raw('{"quantity": 1} x'), status: 400 },
      { name: 'empty JSON body', send: raw(''), status: 400 },
      { name: 'no body', send: (http) => http.post('/skus/R-1/receipts'), status: 400, fields: ['quantity'] },
      { name: 'oversized body', send: raw(oversizedBody({ quantity: 1 })), status: 413 },
      { name: 'XML body', send: raw('<quantity>1</quantity>', 'application/xml'), status: 415 },
      { name: 'SKU with a space', send: post({ quantity: 1 }, 'A%20B'), status: 400, fields: ['sku'] },
      { name: 'SKU too long', send: post({ quantity: 1 }, 'X'.repeat(65)), status: 400, fields: ['sku'] },
      { name: 'SKU with unicode', send: post({ quantity: 1 }, encodeURIComponent('ÄB')), status: 400, fields: ['sku'] },
      { name: 'SKU with an encoded slash', send: post({ quantity: 1 }, 'A%2FB'), status: 400, fields: ['sku'] },
      { name: 'If-Match with two tags', send: (http) => http.post('/skus/R-1/receipts').set('If-Match', '"1", "2"').send({ quantity: 1 }), status: 400 },
    ]);
  });
});
