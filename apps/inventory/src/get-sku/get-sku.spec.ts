import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { expectProblem } from '@stockflow/testing';
import { expectRefusedWithoutAppend, startInventoryHarness, type InventoryHarness } from '../testing/inventory-harness.js';

describe('GET /skus/:sku (real PostgreSQL and NATS)', () => {
  let inv: InventoryHarness;
  const metadata = { correlationId: 'get-spec', causationId: null, traceparent: null };

  beforeAll(async () => {
    inv = await startInventoryHarness();
  }, 30_000);
  afterAll(async () => {
    await inv?.stop();
  });

  it('shows on-hand, reserved and available with the version as ETag', async () => {
    await inv.http().post('/skus').send({ sku: 'G-1', name: 'gadget', lowStockThreshold: 2 }).expect(201);
    await inv.http().post('/skus/G-1/receipts').send({ quantity: 10 }).expect(200);
    await inv.commands.execute({ type: 'ReserveStock', sku: 'G-1', orderId: 'o-1', quantity: 3 }, { metadata });
    const response = await inv.http().get('/skus/G-1');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ sku: 'G-1', name: 'gadget', onHand: 10, reserved: 3, available: 7, lowStockThreshold: 2, version: 6 });
    expect(response.headers.etag).toBe('"6"');
    // The ETag works as If-Match for the next write.
    await inv.http().post('/skus/G-1/receipts').set('If-Match', response.headers.etag!).send({ quantity: 1 }).expect(200);
  });

  it('reflects writes made by another process (it reads the store, not this process’s cache)', async () => {
    await inv.http().post('/skus').send({ sku: 'G-2', name: 'shared' }).expect(201);
    await inv.http().post('/skus/G-2/receipts').send({ quantity: 1 }).expect(200);
    await inv.running.infrastructure.store.appendToStream('sku-G-2', [
      { eventId: randomUUID(), type: 'StockReceived', schemaVersion: 1, data: { sku: 'G-2', quantity: 4 }, ...metadata },
    ]);
    expect((await inv.http().get('/skus/G-2').expect(200)).body).toMatchObject({ onHand: 5, version: 5 });
    // The next command's cached state is stale: its append conflicts, and the handler re-reads.
    const receipt = await inv.http().post('/skus/G-2/receipts').send({ quantity: 1 }).expect(200);
    expect(receipt.body).toMatchObject({ onHand: 6, version: 7 });
  });

  it('upcasts a version-1 SkuRegistered (no threshold) to a threshold of 0', async () => {
    await inv.running.infrastructure.store.appendToStream('sku-OLD-1', [
      { eventId: randomUUID(), type: 'SkuRegistered', schemaVersion: 1, data: { sku: 'OLD-1', name: 'from v1' }, ...metadata },
    ]);
    expect((await inv.http().get('/skus/OLD-1').expect(200)).body).toEqual({
      sku: 'OLD-1',
      name: 'from v1',
      onHand: 0,
      reserved: 0,
      available: 0,
      lowStockThreshold: 0,
      version: 1,
    });
  });

  it('answers 404 for an unknown SKU, also when only rejected reservations exist for it', async () => {
    const unknown = await inv.http().get('/skus/NOPE-1');
    expectProblem(unknown, 404);
    expect(unknown.body.code).toBe('sku-not-found');
    await inv.commands.execute({ type: 'ReserveStock', sku: 'GHOST-1', orderId: 'o-9', quantity: 1 }, { metadata });
    expectProblem(await inv.http().get('/skus/GHOST-1'), 404);
  });

  it('refuses a bad SKU path parameter with a field-level 400', async () => {
    await expectRefusedWithoutAppend(inv, [
      { name: 'space', send: (http) => http.get('/skus/A%20B'), status: 400, fields: ['sku'] },
      { name: 'too long', send: (http) => http.get(`/skus/${'X'.repeat(65)}`), status: 400, fields: ['sku'] },
      { name: 'unicode', send: (http) => http.get(`/skus/${encodeURIComponent('ÄB')}`), status: 400, fields: ['sku'] },
      { name: 'encoded slash', send: (http) => http.get('/skus/A%2FB'), status: 400, fields: ['sku'] },
      { name: 'quote', send: (http) => http.get(`/skus/${encodeURIComponent("A'B")}`), status: 400, fields: ['sku'] },
      { name: 'query string is not part of the SKU', send: (http) => http.get('/skus/NOPE-2?'), status: 404 },
      // The route declares no query parameter: any one is refused, naming it (ADR 0027).
      { name: 'an undeclared query parameter', send: (http) => http.get('/skus/NOPE-2?x=1'), status: 400, fields: ['x'] },
    ]);
  });

  it('serves the OpenAPI document with every endpoint', async () => {
    const docs = await inv.http().get('/docs-json').expect(200);
    expect(Object.keys(docs.body.paths).sort()).toEqual(
      expect.arrayContaining(['/skus', '/skus/{sku}', '/skus/{sku}/receipts', '/skus/{sku}/adjustments']),
    );
    expect(docs.body.components.schemas.RegisterSkuDto.required).toEqual(['sku', 'name']);
    expect(docs.body.components.schemas.SkuView.properties.available).toBeDefined();
    expect(docs.body.paths['/skus/{sku}/receipts'].post.responses['200']).toBeDefined();
  });
});
