import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { expectNothingAppended, expectProblem, sendRaw, unparseableBodies } from '@stockflow/testing';
import { startCartsTestService, type CartsTestService } from '../testing/carts-test-service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('POST /carts (create a cart)', () => {
  let carts: CartsTestService;

  beforeAll(async () => {
    carts = await startCartsTestService();
  });
  afterAll(async () => {
    await carts?.stop();
  });

  it('opens a cart: 201 with a new id, Location and ETag; CartCreated carries the request trace', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const created = await carts
      .http()
      .post('/carts')
      .set('traceparent', `00-${traceId}-00f067aa0ba902b7-01`)
      .set('x-correlation-id', 'create-cart-1')
      .send({ customerId: 'customer-42' })
      .expect(201);
    const { cartId: id } = created.body as { cartId: string };
    expect(created.body).toEqual({ cartId: expect.stringMatching(UUID) });
    expect(created.headers.location).toBe(`/carts/${id}`);
    expect(created.headers.etag).toBe('"1"');

    const read = await carts.http().get(created.headers.location!).expect(200);
    expect(read.body).toEqual({ cartId: id, customerId: 'customer-42', status: 'open', lines: [], orderId: null, version: 1 });

    const { events } = await carts.running.infrastructure.store.readStream(`cart-${id}`);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'CartCreated',
      schemaVersion: 1,
      streamPosition: 1,
      data: { cartId: id, customerId: 'customer-42' },
      correlationId: 'create-cart-1',
      causationId: null,
      traceparent: expect.stringContaining(traceId),
    });
  });

  it('gives every cart its own id', async () => {
    const ids = await Promise.all(Array.from({ length: 5 }, () => carts.createCart('same-customer')));
    expect(new Set(ids).size).toBe(5);
  });

  it('accepts customer ids up to 64 characters, counted as the contracts count them', async () => {
    await carts.http().post('/carts').send({ customerId: 'c'.repeat(64) }).expect(201);
    await carts.http().post('/carts').send({ customerId: 'Zoë Straße' }).expect(201);
    // 32 emoji are 64 UTF-16 code units: the contract's limit, and so the API's.
    await carts.http().post('/carts').send({ customerId: '🛒'.repeat(32) }).expect(201);
    const tooLong = await carts.http().post('/carts').send({ customerId: '🛒'.repeat(33) });
    expectProblem(tooLong, 400, ['customerId']);
  });

  it('runs once per Idempotency-Key and replays the same id', async () => {
    const before = await carts.logState();
    const first = await carts.http().post('/carts').set('Idempotency-Key', 'create-1').send({ customerId: 'idem' }).expect(201);
    const replay = await carts.http().post('/carts').set('Idempotency-Key', 'create-1').send({ customerId: 'idem' }).expect(201);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect((await carts.logState()).events).toBe(before.events + 1);
    const reused = await carts.http().post('/carts').set('Idempotency-Key', 'create-1').send({ customerId: 'someone-else' });
    expectProblem(reused, 422);
    expect((await carts.logState()).events).toBe(before.events + 1);
  });

  describe('refuses bad input with a 4xx problem and appends nothing', () => {
    const fieldCases: [string, unknown][] = [
      ['no customerId', {}],
      ['customerId null', { customerId: null }],
      ['customerId a number', { customerId: 42 }],
      ['customerId a boolean', { customerId: true }],
      ['customerId an array', { customerId: ['a'] }],
      ['customerId an object', { customerId: { id: 'a' } }],
      ['customerId empty', { customerId: '' }],
      ['customerId blank', { customerId: '   ' }],
      ['customerId of 65 characters', { customerId: 'c'.repeat(65) }],
      ['customerId with a NUL', { customerId: 'a\u0000b' }],
      ['customerId with a newline', { customerId: 'a\nb' }],
      ['customerId with a lone surrogate', { customerId: 'a\ud800b' }],
    ];
    it.each(fieldCases)('%s → 400 on customerId', async (_name, body) => {
      await expectNothingAppended(carts, async () => {
        expectProblem(await carts.http().post('/carts').send(body as object), 400, ['customerId']);
      });
    });

    it('an unknown field → 400 naming it', async () => {
      await expectNothingAppended(carts, async () => {
        expectProblem(await carts.http().post('/carts').send({ customerId: 'a', status: 'checked-out' }), 400, ['status']);
        expectProblem(await carts.http().post('/carts').send({ customerId: 'a', id: '0b5a3c9e-7d1f-4c2a-9e8b-3f6d2a1c4b5e' }), 400, ['id']);
      });
    });

    it.each([
      ['no body at all', undefined, undefined, ['customerId']],
      ['JSON null', 'application/json', 'null', ['customerId']],
      // An array is not an object: its indexes are unknown fields, and customerId is missing.
      ['a JSON array', 'application/json', '[{"customerId": "a"}]', ['0', 'customerId']],
      ['a JSON string', 'application/json', '"customer-1"', ['customerId']],
      ['a JSON number', 'application/json', '42', ['customerId']],
      ['plain text', 'text/plain', 'customer-1', ['customerId']],
    ])('%s → 400 with field errors', async (_name, contentType, body, fields) => {
      await expectNothingAppended(carts, async () => {
        expectProblem(await sendRaw(carts, 'post', '/carts', { contentType, body }), 400, fields);
      });
    });

    it.each(unparseableBodies().map((c) => [c.name, c] as const))('%s', async (_name, raw) => {
      await expectNothingAppended(carts, async () => {
        expectProblem(await sendRaw(carts, 'post', '/carts', raw), raw.status, raw.fields);
      });
    });

    it('a malformed Idempotency-Key → 400', async () => {
      await expectNothingAppended(carts, async () => {
        expectProblem(await carts.http().post('/carts').set('Idempotency-Key', 'has spaces').send({ customerId: 'a' }), 400);
      });
    });
  });

  it('answers unknown routes and methods under /carts with problems', async () => {
    expectProblem(await carts.http().patch('/carts').send({}), 404);
    expectProblem(await carts.http().delete('/carts'), 404);
  });
});
