import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
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
    expect(list.body).toEqual([
      { id: second.id, sku: 'B', kind: 'back-in-stock', title: 'B is back', body: 'It is back.', link: 'https://shop.example/B', read: false, createdAt: second.createdAt },
      { id: first.id, sku: 'A', kind: 'back-in-stock', title: 'A is back', body: 'It is back.', link: null, read: false, createdAt: first.createdAt },
    ]);
    const page = await svc.http().get('/customers/ina/notifications').query({ limit: 1, before: second.id }).expect(200);
    expect((page.body as { id: number }[]).map((n) => n.id)).toEqual([first.id]);
  });

  it('POST …/:nid/read marks it read once (InboxNotificationRead); someone else’s is a 404', async () => {
    const item = await svc.deliverToInbox('jo', {}, false);
    const other = await svc.deliverToInbox('kim', {}, false);
    await svc.http().post(`/customers/jo/notifications/${item.id}/read`).expect(204);
    const list = await svc.http().get('/customers/jo/notifications').expect(200);
    expect(list.body).toMatchObject([{ id: item.id, read: true }]);
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
    expect(JSON.parse(sse.events[0]!.data)).toEqual({ id: a.id, sku: 'SKU-1', kind: 'back-in-stock', title: 'first', body: 'It is back.', link: null, read: false, createdAt: a.createdAt });
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
      ['before negative', { before: '-5' }, ['before']],
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
