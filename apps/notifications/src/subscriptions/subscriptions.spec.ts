import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readAllPages, type Page } from '@stockflow/platform';
import { expectNothingAppended, expectProblem, sendRaw, unparseableBodies } from '@stockflow/testing';
import { badCustomerIds, startNotificationsTestService, type NotificationsTestService } from '../testing/notifications-test-service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('subscriptions', () => {
  let svc: NotificationsTestService;

  beforeAll(async () => {
    svc = await startNotificationsTestService();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('POST /subscriptions → 201 { subscriptionId } with Location; back-in-stock by default; listed at once', async () => {
    const created = await svc.http().post('/subscriptions').send({ customerId: 'ann', sku: 'MUG-1' }).expect(201);
    const { subscriptionId: id } = created.body as { subscriptionId: string };
    expect(created.body).toEqual({ subscriptionId: expect.stringMatching(UUID) });
    expect(created.headers.location).toBe(`/subscriptions/${id}`);
    const list = await svc.http().get('/customers/ann/subscriptions').expect(200);
    expect(list.body).toEqual({
      items: [{ subscriptionId: id, customerId: 'ann', sku: 'MUG-1', kind: 'back-in-stock', status: 'active', subscribedAt: expect.any(String), endedAt: null, version: 1 }],
      nextCursor: null,
    });
    const { events } = await svc.running.infrastructure.store.readStream(`subscription-${id}`);
    expect(events.map((e) => [e.type, e.data])).toEqual([['SubscriptionCreated', { subscriptionId: id, customerId: 'ann', sku: 'MUG-1', kind: 'back-in-stock' }]]);
    await svc.http().get(`/subscriptions/${id}`).expect(200);
  });

  it('one active subscription per customer, SKU and kind: the twin is a 409; another kind is fine', async () => {
    await svc.http().post('/subscriptions').send({ customerId: 'ben', sku: 'MUG-1' }).expect(201);
    await expectNothingAppended(svc, async () => {
      const twin = await svc.http().post('/subscriptions').send({ customerId: 'ben', sku: 'MUG-1', kind: 'back-in-stock' });
      expectProblem(twin, 409);
      expect((twin.body as { code: string }).code).toBe('already-subscribed');
    });
    await svc.http().post('/subscriptions').send({ customerId: 'ben', sku: 'MUG-1', kind: 'availability' }).expect(201);
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => svc.http().post('/subscriptions').send({ customerId: 'ben', sku: 'RACE', kind: 'availability' })));
    expect(concurrent.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
  });

  it('DELETE cancels (SubscriptionCancelled), twice is fine, and frees the queue place', async () => {
    const { body } = await svc.http().post('/subscriptions').send({ customerId: 'cat', sku: 'LAMP' }).expect(201);
    const id = (body as { subscriptionId: string }).subscriptionId;
    await svc.http().delete(`/subscriptions/${id}`).expect(204);
    await expectNothingAppended(svc, async () => {
      await svc.http().delete(`/subscriptions/${id.toUpperCase()}`).expect(204);
    });
    const view = await svc.http().get(`/subscriptions/${id}`).expect(200);
    expect(view.body).toMatchObject({ status: 'cancelled', endedAt: expect.any(String), version: 2 });
    await svc.http().post('/subscriptions').send({ customerId: 'cat', sku: 'LAMP' }).expect(201);
  });

  it('a fulfilled subscription cannot be cancelled (409)', async () => {
    const { body } = await svc.http().post('/subscriptions').send({ customerId: 'dan', sku: 'LAMP' }).expect(201);
    const id = (body as { subscriptionId: string }).subscriptionId;
    await svc.running.infrastructure.pool.query(`UPDATE ${svc.schema}.subscriptions SET status = 'fulfilled' WHERE id = $1`, [id]);
    await expectNothingAppended(svc, async () => {
      const response = await svc.http().delete(`/subscriptions/${id}`);
      expectProblem(response, 409);
      expect((response.body as { code: string }).code).toBe('subscription-fulfilled');
    });
  });

  it('404 for an unknown subscription; [] for a customer without any', async () => {
    expectProblem(await svc.http().delete('/subscriptions/0b5a3c9e-7d1f-4c2a-9e8b-3f6d2a1c4b5e'), 404);
    expectProblem(await svc.http().get('/subscriptions/0b5a3c9e-7d1f-4c2a-9e8b-3f6d2a1c4b5e'), 404);
    await svc.http().get('/customers/nobody/subscriptions').expect(200, { items: [], nextCursor: null });
  });

  it('lists newest first', async () => {
    for (const sku of ['A', 'B', 'C']) await svc.http().post('/subscriptions').send({ customerId: 'eli', sku }).expect(201);
    const list = await svc.http().get('/customers/eli/subscriptions').expect(200);
    expect((list.body as Page<{ sku: string }>).items.map((s) => s.sku)).toEqual(['C', 'B', 'A']);
  });

  it('pages a long list a few at a time: every subscription once, newest first, ties in one instant included', async () => {
    const skus = Array.from({ length: 9 }, (_, i) => `PG-${i}`);
    await Promise.all(skus.map((sku) => svc.http().post('/subscriptions').send({ customerId: 'gus', sku }).expect(201)));
    // Several in the same microsecond: the key's second part (the insertion order) decides.
    await svc.running.infrastructure.pool.query(`UPDATE "${svc.schema}".subscriptions SET subscribed_at = date_trunc('second', subscribed_at) WHERE customer_id = 'gus' AND sku IN ('PG-1', 'PG-2', 'PG-3', 'PG-4')`);
    const whole = ((await svc.http().get('/customers/gus/subscriptions').query({ limit: 500 }).expect(200)).body as Page<{ subscriptionId: string; subscribedAt: string }>).items;
    expect(whole).toHaveLength(9);
    const pages = await readAllPages(async (cursor) => {
      const response = await svc.http().get('/customers/gus/subscriptions').query({ limit: 2, ...(cursor === null ? {} : { cursor }) }).expect(200);
      return response.body as Page<{ subscriptionId: string; subscribedAt: string }>;
    }, 100);
    expect(pages.map((p) => p.items.length)).toEqual([2, 2, 2, 2, 1]);
    expect(pages.flatMap((p) => p.items.map((s) => s.subscriptionId))).toEqual(whole.map((s) => s.subscriptionId));
    const times = whole.map((s) => s.subscribedAt);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it.each([
    ['limit 0', { limit: '0' }, ['limit']],
    ['limit 501', { limit: '501' }, ['limit']],
    ['limit a word', { limit: 'all' }, ['limit']],
    ['a NUL for a cursor', { cursor: '\u0000' }, ['cursor']],
    ['a cursor it did not issue', { cursor: Buffer.from('["notifications.inbox",5]').toString('base64url') }, ['cursor']],
    ['a cursor with a date that does not exist', { cursor: Buffer.from('["notifications.customer-subscriptions","2026-02-30T00:00:00Z",1]').toString('base64url') }, ['cursor']],
    ['a cursor of garbage', { cursor: 'bm9wZQ' }, ['cursor']],
  ])('listing with %s is a 400 problem', async (_name, query, fields) => {
    expectProblem(await svc.http().get('/customers/eli/subscriptions').query(query), 400, fields);
  });

  describe('refuses bad input with a 400 problem and records nothing', () => {
    const cases: [string, unknown, string[]][] = [
      ['no fields', {}, ['customerId', 'sku']],
      ['customerId missing', { sku: 'A' }, ['customerId']],
      ['customerId blank', { customerId: '  ', sku: 'A' }, ['customerId']],
      ['customerId 65 characters', { customerId: 'c'.repeat(65), sku: 'A' }, ['customerId']],
      ['customerId a number', { customerId: 7, sku: 'A' }, ['customerId']],
      ['customerId with a NUL', { customerId: 'a\u0000', sku: 'A' }, ['customerId']],
      ['sku missing', { customerId: 'a' }, ['sku']],
      ['sku with a space', { customerId: 'a', sku: 'A B' }, ['sku']],
      ['sku 65 characters', { customerId: 'a', sku: 'S'.repeat(65) }, ['sku']],
      ['sku an array', { customerId: 'a', sku: ['A'] }, ['sku']],
      ['kind unknown', { customerId: 'a', sku: 'A', kind: 'price-drop' }, ['kind']],
      ['kind null', { customerId: 'a', sku: 'A', kind: 42 }, ['kind']],
      ['an unknown field', { customerId: 'a', sku: 'A', channels: ['sms'] }, ['channels']],
    ];
    it.each(cases)('%s', async (_name, body, fields) => {
      await expectNothingAppended(svc, async () => {
        expectProblem(await svc.http().post('/subscriptions').send(body as object), 400, fields);
      });
    });

    it.each(unparseableBodies().map((c) => [c.name, c] as const))('%s', async (_name, raw) => {
      await expectNothingAppended(svc, async () => {
        expectProblem(await sendRaw(svc, 'post', '/subscriptions', raw), raw.status);
      });
    });

    it.each([
      ['a word', 'not-a-uuid'],
      ['a number', '42'],
      ['a UUID with a suffix', '0b5a3c9e-7d1f-4c2a-9e8b-3f6d2a1c4b5e0'],
      ['an encoded slash', 'a%2Fb'],
    ])('a subscription id of %s → 400 on id', async (_name, segment) => {
      await expectNothingAppended(svc, async () => {
        expectProblem(await svc.http().delete(`/subscriptions/${segment}`), 400, ['id']);
        expectProblem(await svc.http().get(`/subscriptions/${segment}`), 400, ['id']);
      });
    });

    it('a body on DELETE → 400', async () => {
      const { body } = await svc.http().post('/subscriptions').send({ customerId: 'fay', sku: 'A' }).expect(201);
      await expectNothingAppended(svc, async () => {
        expectProblem(await svc.http().delete(`/subscriptions/${(body as { subscriptionId: string }).subscriptionId}`).send({ reason: 'x' }), 400, ['reason']);
      });
    });

    it.each(badCustomerIds.map((c) => [c.name, c.segment] as const))('listing for a customer id of %s', async (_name, segment) => {
      expectProblem(await svc.http().get(`/customers/${segment}/subscriptions`), 400, ['id']);
    });
  });
});
