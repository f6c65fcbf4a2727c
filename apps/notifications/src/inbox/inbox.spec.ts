import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readAllPages, type Page } from '@stockflow/platform';
import { expectNothingAppended, expectProblem, openSse } from '@stockflow/testing';
import { badCustomerIds, startNotificationsTestService, type NotificationsTestService } from '../testing/notifications-test-service.js';

describe('web inbox and its live stream', () => {
  let svc: NotificationsTestService;

  beforeAll(async () => {
    svc = await startNotificationsTestService({ SSE_HEARTBEAT_MS: 200, SSE_POLL_MS: 300 });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('GET lists the inbox newest first with paging', async () => {
    const first = await svc.deliverToInbox('ina', { sku: 'A', title: 'A is back' }, false);
    const second = await svc.deliverToInbox('ina', { sku: 'B', title: 'B is back', link: 'https://shop.example/B' }, false);
    await svc.deliverToInbox('someone-else', {}, false);
    const list = await svc.http().get('/customers/ina/notifications').expect(200);
    expect(list.body).toEqual({
      items: [
        { notificationId: second.id, sku: 'B', kind: 'back-in-stock', title: 'B is back', body: 'It is back.', link: 'https://shop.example/B', read: false, createdAt: second.createdAt },
        { notificationId: first.id, sku: 'A', kind: 'back-in-stock', title: 'A is back', body: 'It is back.', link: null, read: false, createdAt: first.createdAt },
      ],
      nextCursor: null,
    });
    const page = await svc.http().get('/customers/ina/notifications').query({ limit: 1 }).expect(200);
    expect((page.body as Page<{ notificationId: number }>).items.map((n) => n.notificationId)).toEqual([second.id]);
    const next = await svc.http().get('/customers/ina/notifications').query({ limit: 1, cursor: (page.body as Page<unknown>).nextCursor }).expect(200);
    expect((next.body as Page<{ notificationId: number }>).items.map((n) => n.notificationId)).toEqual([first.id]);
    expect((next.body as Page<unknown>).nextCursor).toBeNull();
  });

  it('GET walks a long inbox a few at a time: every notification once, newest first', async () => {
    const delivered: number[] = [];
    for (let i = 0; i < 11; i++) delivered.push((await svc.deliverToInbox('quinn', { title: `n${i}` }, false)).id);
    await svc.deliverToInbox('not-quinn', {}, false);
    const pages = await readAllPages(async (cursor) => {
      const response = await svc.http().get('/customers/quinn/notifications').query({ limit: 3, ...(cursor === null ? {} : { cursor }) }).expect(200);
      return response.body as Page<{ notificationId: number }>;
    }, 100);
    expect(pages.map((p) => p.items.length)).toEqual([3, 3, 3, 2]);
    expect(pages.flatMap((p) => p.items.map((n) => n.notificationId))).toEqual([...delivered].reverse());
    expect(((await svc.http().get('/customers/quinn/notifications').expect(200)).body as Page<unknown>).items).toHaveLength(11);
  });

  it('POST …/:nid/read marks it read once (InboxNotificationRead); someone else’s is a 404', async () => {
    const item = await svc.deliverToInbox('jo', {}, false);
    const other = await svc.deliverToInbox('kim', {}, false);
    await svc.http().post(`/customers/jo/notifications/${item.id}/read`).expect(204);
    const list = await svc.http().get('/customers/jo/notifications').expect(200);
    expect(list.body).toMatchObject({ items: [{ notificationId: item.id, read: true }], nextCursor: null });
    const { events } = await svc.running.infrastructure.store.readStream('customer-jo');
    expect(events.map((e) => [e.type, e.data])).toEqual([['InboxNotificationRead', { customerId: 'jo', notificationId: item.id }]]);
    await expectNothingAppended(svc, async () => {
      await svc.http().post(`/customers/jo/notifications/${item.id}/read`).expect(204);
      expectProblem(await svc.http().post(`/customers/jo/notifications/${other.id}/read`), 404);
      expectProblem(await svc.http().post('/customers/jo/notifications/999999999/read'), 404);
    });
  });

  it('streams each new notification once as an SSE event with the inbox id, live from NATS', async () => {
    await svc.deliverToInbox('lea', { title: 'old' }, false);
    const sse = await openSse(`${svc.url}/customers/lea/notifications/stream`);
    expect(sse.status).toBe(200);
    expect(sse.headers.get('content-type')).toContain('text/event-stream');
    await new Promise((r) => setTimeout(r, 100));
    const a = await svc.deliverToInbox('lea', { title: 'first' });
    const b = await svc.deliverToInbox('lea', { title: 'second' });
    await svc.deliverToInbox('not-lea', { title: 'other' });
    await sse.waitFor(2);
    await new Promise((r) => setTimeout(r, 700)); // a poll round: nothing sent twice
    sse.close();
    expect(sse.events.map((e) => [e.id, e.event, (JSON.parse(e.data) as { title: string }).title])).toEqual([
      [String(a.id), 'notification', 'first'],
      [String(b.id), 'notification', 'second'],
    ]);
    expect(JSON.parse(sse.events[0]!.data)).toEqual({ notificationId: a.id, sku: 'SKU-1', kind: 'back-in-stock', title: 'first', body: 'It is back.', link: null, read: false, createdAt: a.createdAt });
    expect(sse.comments).toContain('heartbeat');
  });

  it('resumes with Last-Event-ID: replays what came after it, then goes on live', async () => {
    const seen = await svc.deliverToInbox('max', { title: 'seen' }, false);
    const missed1 = await svc.deliverToInbox('max', { title: 'missed 1' }, false);
    const missed2 = await svc.deliverToInbox('max', { title: 'missed 2' }, false);
    const sse = await openSse(`${svc.url}/customers/max/notifications/stream`, { headers: { 'Last-Event-ID': String(seen.id) } });
    await sse.waitFor(2);
    const live = await svc.deliverToInbox('max', { title: 'live' });
    await sse.waitFor(3);
    sse.close();
    expect(sse.events.map((e) => Number(e.id))).toEqual([missed1.id, missed2.id, live.id]);
    const viaQuery = await openSse(`${svc.url}/customers/max/notifications/stream?lastEventId=${missed2.id}`);
    await viaQuery.waitFor(1);
    viaQuery.close();
    expect(viaQuery.events.map((e) => Number(e.id))).toEqual([live.id]);
  });

  it('a notification whose live message was lost still arrives (the inbox poll)', async () => {
    const sse = await openSse(`${svc.url}/customers/ned/notifications/stream`);
    await new Promise((r) => setTimeout(r, 100));
    const lost = await svc.deliverToInbox('ned', { title: 'no NATS message' }, false);
    await sse.waitFor(1, 3000);
    sse.close();
    expect(Number(sse.events[0]!.id)).toBe(lost.id);
  });

  it('several streams of one customer each get it once', async () => {
    const one = await openSse(`${svc.url}/customers/ola/notifications/stream`);
    const two = await openSse(`${svc.url}/customers/ola/notifications/stream`);
    await new Promise((r) => setTimeout(r, 100));
    const item = await svc.deliverToInbox('ola', {});
    await one.waitFor(1);
    await two.waitFor(1);
    await new Promise((r) => setTimeout(r, 500));
    one.close();
    two.close();
    expect(one.events.map((e) => Number(e.id))).toEqual([item.id]);
    expect(two.events.map((e) => Number(e.id))).toEqual([item.id]);
  });

  describe('refuses bad input with a 400 problem', () => {
    it.each([
      ['a word', 'abc'],
      ['zero', '0'],
      ['negative', '-1'],
      ['a fraction', '1.5'],
    ])('a notification id of %s', async (_name, nid) => {
      await expectNothingAppended(svc, async () => {
        expectProblem(await svc.http().post(`/customers/jo/notifications/${nid}/read`), 400, ['nid']);
      });
    });

    it('a body on read → 400', async () => {
      const item = await svc.deliverToInbox('pia', {}, false);
      await expectNothingAppended(svc, async () => {
        expectProblem(await svc.http().post(`/customers/pia/notifications/${item.id}/read`).send({ read: false }), 400, ['read']);
      });
    });

    it.each([
      ['limit 0', { limit: '0' }, ['limit']],
      ['limit 501', { limit: '501' }, ['limit']],
      ['limit a word', { limit: 'all' }, ['limit']],
      ['limit a fraction', { limit: '1.5' }, ['limit']],
      ['the paging parameter of 0.1.0 (before)', { before: '5' }, ['before']],
      ['a NUL for a cursor', { cursor: '\u0000' }, ['cursor']],
      ['a cursor it did not issue', { cursor: Buffer.from('["views.stock","A"]').toString('base64url') }, ['cursor']],
      ['a cursor with a negative id', { cursor: Buffer.from('["notifications.inbox",-5]').toString('base64url') }, ['cursor']],
      ['a cursor of garbage', { cursor: 'bm9wZQ' }, ['cursor']],
      ['an unknown parameter', { unread: 'true' }, ['unread']],
    ])('listing with %s', async (_name, query, fields) => {
      expectProblem(await svc.http().get('/customers/ina/notifications').query(query), 400, fields);
    });

    it.each([
      ['a word', { 'Last-Event-ID': 'latest' }, ['Last-Event-ID']],
      ['negative', { 'Last-Event-ID': '-3' }, ['Last-Event-ID']],
    ])('a Last-Event-ID of %s', async (_name, headers, fields) => {
      expectProblem(await svc.http().get('/customers/ina/notifications/stream').set(headers), 400, fields);
    });

    it('a lastEventId query of a word', async () => {
      expectProblem(await svc.http().get('/customers/ina/notifications/stream').query({ lastEventId: 'x' }), 400, ['lastEventId']);
    });

    it.each(badCustomerIds.map((c) => [c.name, c.segment] as const))('a customer id of %s', async (_name, segment) => {
      expectProblem(await svc.http().get(`/customers/${segment}/notifications`), 400, ['id']);
      expectProblem(await svc.http().get(`/customers/${segment}/notifications/stream`), 400, ['id']);
      expectProblem(await svc.http().post(`/customers/${segment}/notifications/1/read`), 400, ['id']);
    });
  });

  it('counts open streams in /metrics', async () => {
    const sse = await openSse(`${svc.url}/customers/quinn/notifications/stream`);
    await new Promise((r) => setTimeout(r, 50));
    const metrics = await svc.http().get('/metrics').expect(200);
    expect(metrics.text).toMatch(/notification_streams_open [1-9]/);
    sse.close();
  });
});
