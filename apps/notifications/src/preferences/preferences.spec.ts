import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { expectNothingAppended, expectProblem, sendRaw, unparseableBodies } from '@stockflow/testing';
import { badCustomerIds, startNotificationsTestService, type NotificationsTestService } from '../testing/notifications-test-service.js';

const full = {
  email: 'ada@example.com',
  phone: '+4915123456789',
  locale: 'de',
  timeZone: 'Europe/Berlin',
  channels: { email: true, sms: true, web: true },
  quietHours: { start: '22:00', end: '07:00' },
};

describe('PUT/GET /customers/:id/preferences', () => {
  let svc: NotificationsTestService;

  beforeAll(async () => {
    svc = await startNotificationsTestService();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('sets the whole set (NotificationPreferencesSet on customer-<id>) and reads it back at once', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const put = await svc
      .http()
      .put('/customers/ada/preferences')
      .set('traceparent', `00-${traceId}-00f067aa0ba902b7-01`)
      .send(full)
      .expect(200);
    // Email and SMS on: each contact is asked for a confirmation (ADR 0028) in the same transaction.
    expect(put.body).toEqual({ customerId: 'ada', ...full, smsOptedOut: false, confirmed: { email: false, sms: false }, emailSuppressed: null, version: 3 });
    const get = await svc.http().get('/customers/ada/preferences').expect(200);
    expect(get.body).toEqual(put.body);
    const { events } = await svc.running.infrastructure.store.readStream('customer-ada');
    expect(events.map((e) => e.type)).toEqual(['NotificationPreferencesSet', 'ContactConfirmationRequested', 'ContactConfirmationRequested']);
    // The contact details are sealed with Ada's data key (ADR 0029); the rest is as sent.
    const { email, phone, ...rest } = full;
    expect(events[0]).toMatchObject({ type: 'NotificationPreferencesSet', schemaVersion: 2, data: { customerId: 'ada', ...rest }, traceparent: expect.stringContaining(traceId) });
    expect(JSON.stringify(events.map((e) => e.data))).not.toContain(email);
    expect(JSON.stringify(events.map((e) => e.data))).not.toContain(phone);
  });

  it('fills defaults (en, UTC, no quiet hours), canonicalises the time zone, and records the same set once', async () => {
    const put = await svc.http().put('/customers/bob/preferences').send({ channels: { email: false, sms: false, web: true } }).expect(200);
    expect(put.body).toMatchObject({ email: null, phone: null, locale: 'en', timeZone: 'UTC', quietHours: null, version: 1 });
    await expectNothingAppended(svc, async () => {
      await svc.http().put('/customers/bob/preferences').send({ channels: { email: false, sms: false, web: true } }).expect(200);
    });
    const tz = await svc.http().put('/customers/bob/preferences').send({ timeZone: 'america/new_york', channels: { email: false, sms: false, web: true } }).expect(200);
    expect(tz.body).toMatchObject({ timeZone: 'America/New_York', version: 2 });
  });

  it('replaces rather than merges: fields left out go back to their defaults', async () => {
    await svc.http().put('/customers/cy/preferences').send(full).expect(200);
    const replaced = await svc.http().put('/customers/cy/preferences').send({ channels: { email: false, sms: false, web: true } }).expect(200);
    expect(replaced.body).toMatchObject({ email: null, phone: null, quietHours: null, locale: 'en', version: 4 });
  });

  it('404 for a customer without preferences', async () => {
    expectProblem(await svc.http().get('/customers/nobody/preferences'), 404);
  });

  describe('refuses bad input with a 400 problem and records nothing', () => {
    const channels = { email: false, sms: false, web: true };
    const cases: [string, unknown, string[]][] = [
      ['no body fields', {}, ['channels']],
      ['channels missing', { email: 'a@b.co' }, ['channels']],
      ['channels a string', { channels: 'all' }, ['channels']],
      ['channels null', { channels: null }, ['channels']],
      ['a channel missing', { channels: { email: false, sms: false } }, ['channels.web']],
      ['a channel not boolean', { channels: { email: 'yes', sms: false, web: true } }, ['channels.email']],
      ['an unknown channel', { channels: { ...channels, push: true } }, ['channels.push']],
      ['email malformed', { email: 'not-an-email', channels }, ['email']],
      ['email with a space', { email: 'a b@c.de', channels }, ['email']],
      ['email a number', { email: 42, channels }, ['email']],
      ['email channel without an address', { channels: { email: true, sms: false, web: false } }, ['email']],
      ['sms channel without a phone', { channels: { email: false, sms: true, web: false } }, ['phone']],
      ['phone without +', { phone: '4915123456789', channels }, ['phone']],
      ['phone with spaces', { phone: '+49 151 23456789', channels }, ['phone']],
      ['phone too long', { phone: '+1234567890123456', channels }, ['phone']],
      ['phone starting +0', { phone: '+0151234567', channels }, ['phone']],
      ['time zone unknown', { timeZone: 'Mars/Olympus_Mons', channels }, ['timeZone']],
      ['time zone an offset', { timeZone: '+02:00', channels }, ['timeZone']],
      ['time zone empty', { timeZone: '', channels }, ['timeZone']],
      ['locale not a tag', { locale: 'English', channels }, ['locale']],
      ['locale a number', { locale: 7, channels }, ['locale']],
      ['quiet hours 24:00', { quietHours: { start: '24:00', end: '07:00' }, channels }, ['quietHours.start']],
      ['quiet hours 7:00', { quietHours: { start: '22:00', end: '7:00' }, channels }, ['quietHours.end']],
      ['quiet hours with seconds', { quietHours: { start: '22:00:00', end: '07:00' }, channels }, ['quietHours.start']],
      ['quiet hours empty window', { quietHours: { start: '22:00', end: '22:00' }, channels }, ['quietHours.end']],
      ['quiet hours without end', { quietHours: { start: '22:00' }, channels }, ['quietHours.end']],
      ['quiet hours a string', { quietHours: '22-07', channels }, ['quietHours']],
      ['an unknown field', { channels, frequency: 'daily' }, ['frequency']],
    ];
    it.each(cases)('%s', async (_name, body, fields) => {
      await expectNothingAppended(svc, async () => {
        expectProblem(await svc.http().put('/customers/dora/preferences').send(body as object), 400, fields);
      });
    });

    it.each(unparseableBodies().map((c) => [c.name, c] as const))('%s', async (_name, raw) => {
      await expectNothingAppended(svc, async () => {
        expectProblem(await sendRaw(svc, 'put', '/customers/dora/preferences', raw), raw.status);
      });
    });

    it.each(badCustomerIds.map((c) => [c.name, c.segment] as const))('a customer id of %s', async (_name, segment) => {
      await expectNothingAppended(svc, async () => {
        expectProblem(await svc.http().put(`/customers/${segment}/preferences`).send({ channels }), 400, ['id']);
        expectProblem(await svc.http().get(`/customers/${segment}/preferences`), 400, ['id']);
      });
    });
  });

  it('shows an SMS opt-out of the number (STOP) in the preferences', async () => {
    await svc.http().put('/customers/eve/preferences').send({ ...full, email: 'eve@example.com', phone: '+4915100000001' }).expect(200);
    await svc.http().post('/webhooks/sms').type('form').send({ From: '+4915100000001', Body: 'STOP' }).expect(200);
    const get = await svc.http().get('/customers/eve/preferences').expect(200);
    expect(get.body).toMatchObject({ smsOptedOut: true, channels: { sms: true } });
  });
});
