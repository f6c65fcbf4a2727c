import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { signUnsubscribeToken } from '../shared/unsubscribe-token.js';
import { expectNothingAppended, expectProblem } from '@stockflow/testing';
import { startNotificationsTestService, type NotificationsTestService } from '../testing/notifications-test-service.js';

describe('one-click unsubscribe', () => {
  let svc: NotificationsTestService;
  const prefs = { email: 'gil@example.com', channels: { email: true, sms: false, web: true } };

  beforeAll(async () => {
    svc = await startNotificationsTestService();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  const oneClick = 'List-Unsubscribe=One-Click';

  it('GET (the link, or a mail scanner following it) shows a confirmation page whose form POSTs, and changes nothing', async () => {
    await svc.http().put('/customers/gil/preferences').send(prefs).expect(200);
    const token = signUnsubscribeToken({ customerId: 'gil', email: 'gil@example.com' }, svc.config.UNSUBSCRIBE_SECRET);
    await expectNothingAppended(svc, async () => {
      for (let i = 0; i < 3; i++) {
        const page = await svc.http().get('/unsubscribe').query({ token }).expect(200);
        expect(page.headers['content-type']).toContain('text/html');
        expect(page.headers['cache-control']).toBe('no-store');
        expect(page.text).toContain('gil@example.com');
        expect(page.text).toMatch(/<form method="post" action="unsubscribe\?token=[^"]+">/);
        expect(page.text).toContain('<input type="hidden" name="List-Unsubscribe" value="One-Click">');
      }
    });
    const still = await svc.http().get('/customers/gil/preferences').expect(200);
    expect(still.body).toMatchObject({ channels: { email: true }, version: 2 }); // the preferences and the email confirmation request

    // The page's form, as a browser posts it: the change happens, and the answer is a page.
    const page = await svc.http().get('/unsubscribe').query({ token }).expect(200);
    const action = /action="([^"]+)"/.exec(page.text)![1]!.replace(/&#38;/g, '&');
    const posted = await svc.http().post(`/${action}`).set('accept', 'text/html,application/xhtml+xml,*/*;q=0.8').type('form').send(oneClick).expect(200);
    expect(posted.headers['content-type']).toContain('text/html');
    expect(posted.text).toContain('You are unsubscribed');
    const after = await svc.http().get('/customers/gil/preferences').expect(200);
    expect(after.body).toMatchObject({ channels: { email: false, web: true }, email: 'gil@example.com', version: 3 });
    const { events } = await svc.running.infrastructure.store.readStream('customer-gil');
    expect(events.map((e) => e.type)).toEqual(['NotificationPreferencesSet', 'ContactConfirmationRequested', 'EmailUnsubscribed']);
    await expectNothingAppended(svc, async () => {
      const again = await svc.http().post('/unsubscribe').query({ token }).type('form').send(oneClick).expect(200);
      expect(again.body).toEqual({ customerId: 'gil', email: 'gil@example.com', changed: false });
    });
  });

  it('POST (RFC 8058, from the mail client) unsubscribes', async () => {
    await svc.http().put('/customers/hal/preferences').send({ ...prefs, email: 'hal@example.com' }).expect(200);
    const token = signUnsubscribeToken({ customerId: 'hal', email: 'hal@example.com' }, svc.config.UNSUBSCRIBE_SECRET);
    const response = await svc.http().post(`/unsubscribe?token=${token}`).type('form').send(oneClick).expect(200);
    expect(response.body).toEqual({ customerId: 'hal', email: 'hal@example.com', changed: true });
  });

  it.each([
    ['no body', undefined],
    ['another value', 'List-Unsubscribe=Yes'],
    ['another field', 'unsubscribe=1'],
  ])('POST without the one-click body (%s) → 400, nothing changes', async (_name, body) => {
    await svc.http().put('/customers/ivo/preferences').send({ ...prefs, email: 'ivo@example.com' }).expect(200);
    const token = signUnsubscribeToken({ customerId: 'ivo', email: 'ivo@example.com' }, svc.config.UNSUBSCRIBE_SECRET);
    await expectNothingAppended(svc, async () => {
      const call = svc.http().post('/unsubscribe').query({ token });
      expectProblem(await (body === undefined ? call : call.type('form').send(body)), 400);
    });
  });

  it('a link for an address the customer no longer uses changes nothing', async () => {
    await svc.http().put('/customers/ida/preferences').send({ ...prefs, email: 'new@example.com' }).expect(200);
    const token = signUnsubscribeToken({ customerId: 'ida', email: 'old@example.com' }, svc.config.UNSUBSCRIBE_SECRET);
    await expectNothingAppended(svc, async () => {
      await svc.http().post('/unsubscribe').query({ token }).type('form').send(oneClick).expect(200);
    });
  });

  describe('refuses bad tokens with a 400 problem and records nothing', () => {
    const good = (): string => signUnsubscribeToken({ customerId: 'gil', email: 'gil@example.com' }, 'x'.repeat(16));
    it.each([
      ['no token', undefined],
      ['an empty token', ''],
      ['garbage', 'hello'],
      ['signed with another secret', good()],
      ['a payload swapped under a valid signature', (() => {
        const real = signUnsubscribeToken({ customerId: 'gil', email: 'gil@example.com' }, 'stockflow-dev-unsubscribe-secret-change-me').split('.');
        const other = Buffer.from(JSON.stringify({ c: 'someone-else', e: 'gil@example.com' })).toString('base64url');
        return `${real[0]}.${other}.${real[2]}`;
      })()],
      ['over 2048 characters', 'v1.' + 'a'.repeat(2100) + '.b'],
    ])('%s', async (_name, token) => {
      await expectNothingAppended(svc, async () => {
        const query = token === undefined ? {} : { token };
        expectProblem(await svc.http().get('/unsubscribe').query(query), 400, ['token']);
        expectProblem(await svc.http().post('/unsubscribe').query(query).type('form').send(oneClick), 400, ['token']);
      });
    });

    it('unknown query parameters → 400', async () => {
      const token = signUnsubscribeToken({ customerId: 'gil', email: 'gil@example.com' }, svc.config.UNSUBSCRIBE_SECRET);
      await expectNothingAppended(svc, async () => {
        expectProblem(await svc.http().post('/unsubscribe').query({ token, all: 'true' }).type('form').send(oneClick), 400, ['all']);
      });
    });
  });
});
