import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { traceIdOf } from '@stockflow/platform';
import { expectProblem, oversizedBody } from '@stockflow/testing';
import { expectRefusedWithoutAppend, startInventoryHarness, typesOf, type InventoryHarness } from '../testing/inventory-harness.js';

describe('POST /skus (real PostgreSQL and NATS)', () => {
  let inv: InventoryHarness;

  beforeAll(async () => {
    inv = await startInventoryHarness();
  }, 30_000);
  afterAll(async () => {
    await inv?.stop();
  });

  it('registers a SKU: 201, Location, ETag, and a SkuRegistered event in the request’s correlation and trace', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const response = await inv
      .http()
      .post('/skus')
      .set('X-Correlation-Id', 'corr-register-1')
      .set('traceparent', traceparent)
      .send({ sku: 'TSHIRT-RED-M', name: 'Red T-shirt, M', lowStockThreshold: 5 });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({ sku: 'TSHIRT-RED-M' });
    expect(response.headers.location).toBe('/skus/TSHIRT-RED-M');
    expect(response.headers.etag).toBe('"1"');

    const [event, ...rest] = await inv.stream('TSHIRT-RED-M');
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      type: 'SkuRegistered',
      schemaVersion: 2,
      streamId: 'sku-TSHIRT-RED-M',
      streamPosition: 1,
      data: { sku: 'TSHIRT-RED-M', name: 'Red T-shirt, M', lowStockThreshold: 5 },
      correlationId: 'corr-register-1',
      causationId: null,
    });
    expect(traceIdOf(event!.traceparent)).toBe('0af7651916cd43dd8448eb211c80319c');

    const read = await inv.http().get('/skus/TSHIRT-RED-M').expect(200);
    expect(read.body).toEqual({ sku: 'TSHIRT-RED-M', name: 'Red T-shirt, M', onHand: 0, reserved: 0, available: 0, lowStockThreshold: 5, version: 1 });
  });

  it('defaults the low-stock threshold to 0 and accepts every allowed SKU character', async () => {
    const sku = 'a.B_c-9';
    await inv.http().post('/skus').send({ sku, name: 'n' }).expect(201);
    expect((await inv.stream(sku))[0]!.data).toEqual({ sku, name: 'n', lowStockThreshold: 0 });
    const longest = 'X'.repeat(64);
    await inv.http().post('/skus').send({ sku: longest, name: 'n'.repeat(200), lowStockThreshold: 1_000_000_000 }).expect(201);
  });

  it('answers 409 to a duplicate SKU and appends nothing', async () => {
    await inv.http().post('/skus').send({ sku: 'DUP-1', name: 'first' }).expect(201);
    const before = await inv.logState();
    const duplicate = await inv.http().post('/skus').send({ sku: 'DUP-1', name: 'second' });
    expectProblem(duplicate, 409);
    expect(duplicate.body.code).toBe('sku-already-registered');
    expect(await inv.logState()).toEqual(before);
    expect(typesOf(await inv.stream('DUP-1'))).toEqual(['SkuRegistered']);
  });

  it('replays the first result for a repeated Idempotency-Key, and refuses the key for another body', async () => {
    const first = await inv.http().post('/skus').set('Idempotency-Key', 'reg-key-1').send({ sku: 'IDEM-1', name: 'once' });
    expect(first.status).toBe(201);
    const replay = await inv.http().post('/skus').set('Idempotency-Key', 'reg-key-1').send({ sku: 'IDEM-1', name: 'once' });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(typesOf(await inv.stream('IDEM-1'))).toEqual(['SkuRegistered']);

    const reused = await inv.http().post('/skus').set('Idempotency-Key', 'reg-key-1').send({ sku: 'IDEM-2', name: 'other' });
    expectProblem(reused, 422);
    expect(await inv.stream('IDEM-2')).toEqual([]);
  });

  it('refuses bad input with a field-level 4xx problem and appends nothing', async () => {
    const post = (body: unknown) => (http: ReturnType<InventoryHarness['http']>) => http.post('/skus').send(body as object);
    const raw = (body: string, type = 'application/json') => (http: ReturnType<InventoryHarness['http']>) => http.post('/skus').set('Content-Type', type).send(body);
    await expectRefusedWithoutAppend(inv, [
      { name: 'empty object', send: post({}), status: 400, fields: ['sku', 'name'] },
      { name: 'missing name', send: post({ sku: 'OK-1' }), status: 400, fields: ['name'] },
      { name: 'missing sku', send: post({ name: 'x' }), status: 400, fields: ['sku'] },
      { name: 'sku not a string', send: post({ sku: 42, name: 'x' }), status: 400, fields: ['sku'] },
      { name: 'empty sku', send: post({ sku: '', name: 'x' }), status: 400, fields: ['sku'] },
      { name: 'sku too long', send: post({ sku: 'X'.repeat(65), name: 'x' }), status: 400, fields: ['sku'] },
      { name: 'sku with a space', send: post({ sku: 'A B', name: 'x' }), status: 400, fields: ['sku'] },
      { name: 'sku with a slash', send: post({ sku: 'A/B', name: 'x' }), status: 400, fields: ['sku'] },
      { name: 'sku with unicode', send: post({ sku: 'ÄBC', name: 'x' }), status: 400, fields: ['sku'] },
      { name: 'name not a string', send: post({ sku: 'OK-2', name: ['x'] }), status: 400, fields: ['name'] },
      { name: 'empty name', send: post({ sku: 'OK-3', name: '' }), status: 400, fields: ['name'] },
      { name: 'blank name', send: post({ sku: 'OK-4', name: '   ' }), status: 400, fields: ['name'] },
      { name: 'name too long', send: post({ sku: 'OK-5', name: 'n'.repeat(201) }), status: 400, fields: ['name'] },
      { name: 'negative threshold', send: post({ sku: 'OK-6', name: 'x', lowStockThreshold: -1 }), status: 400, fields: ['lowStockThreshold'] },
      { name: 'fractional threshold', send: post({ sku: 'OK-7', name: 'x', lowStockThreshold: 1.5 }), status: 400, fields: ['lowStockThreshold'] },
      { name: 'huge threshold', send: post({ sku: 'OK-8', name: 'x', lowStockThreshold: 1e9 + 1 }), status: 400, fields: ['lowStockThreshold'] },
      { name: 'threshold as a string', send: post({ sku: 'OK-9', name: 'x', lowStockThreshold: '5' }), status: 400, fields: ['lowStockThreshold'] },
      { name: 'null threshold', send: post({ sku: 'OK-10', name: 'x', lowStockThreshold: null }), status: 400, fields: ['lowStockThreshold'] },
      { name: 'unknown field', send: post({ sku: 'OK-11', name: 'x', onHand: 5 }), status: 400, fields: ['onHand'] },
      { name: 'array body', send: raw('[{"sku":"OK-12","name":"x"}]'), status: 400 },
      { name: 'string body', send: raw('"OK-13"'), status: 400, fields: ['sku', 'name'] },
      { name: 'null body', send: raw('null'), status: 400, fields: ['sku', 'name'] },
      { name: 'malformed JSON', send: raw('{"sku": "OK-14", "name": '), status: 400 },
      { name: 'empty JSON body', send: raw(''), status: 400 },
      { name: 'prototype pollution', send: raw('{"sku":"OK-15","name":"x","__proto__":{"admin":true}}'), status: 400 },
      { name: 'oversized body', send: raw(oversizedBody({ sku: 1 })), status: 413 },
      { name: 'plain text body', send: raw('sku=OK-16&name=x', 'text/plain'), status: 400, fields: ['sku', 'name'] },
      { name: 'XML body', send: raw('<sku>OK-16</sku>', 'application/xml'), status: 415 },
      { name: 'malformed Idempotency-Key', send: (http) => http.post('/skus').set('Idempotency-Key', 'bad key with spaces').send({ sku: 'OK-17', name: 'x' }), status: 400 },
    ]);
  });
});
