// Notifications end to end on real processes: inventory → relay → JetStream → notifier → mail sink,
// SMS sink and the web inbox/stream of the notifications service.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SMS_SINK_ACCOUNTS } from '@stockflow/system-launcher';
import { isConfirmationMail, isConfirmationSms, sentMails, sentSms, sleep } from '@stockflow/testing';
import {
  mailMode,
  mailsTo,
  openStream,
  preferences,
  receive,
  registerSku,
  sellOut,
  smsMode,
  smsTo,
  subscribe,
} from './notifications-support.js';
import { eventually, http, listAll, startTestSystem, type TestSystem } from './test-system.js';

describe('notifications across inventory, the notifier and the sinks', () => {
  let sys: TestSystem;

  beforeAll(async () => {
    sys = await startTestSystem();
  }, 120_000);
  afterAll(async () => {
    await sys?.stop();
  });

  it('a customer on all three channels gets exactly one email, one SMS and one web notification after a restock from 0; a second restock while in stock sends nothing', async () => {
    const email = 'ada.flow@example.com';
    const phone = '+4915170000001';
    await registerSku(sys, 'SYS-MUG', 'Stockflow mug');
    await preferences(sys, 'ada', { email, phone, locale: 'en', timeZone: 'Europe/Berlin', channels: { email: true, sms: true, web: true } });
    const subscription = await subscribe(sys, 'ada', 'SYS-MUG');
    const stream = await openStream(sys, 'ada');
    try {
      await receive(sys, 'SYS-MUG', 5);
      const [mail] = await eventually(() => mailsTo(sys, email), (m) => m.length >= 1, 20_000, 'the email');
      const [sms] = await eventually(() => smsTo(sys, phone), (m) => m.length >= 1, 20_000, 'the SMS');
      await eventually(async () => stream.events.length, (n) => n >= 1, 20_000, 'the SSE event');
      const inbox = await eventually(
        () => listAll<{ notificationId: number; title: string }>(`${sys.url('notifications')}/customers/ada/notifications`),
        (items) => items.length >= 1,
        20_000,
        'the inbox row',
      );
      expect(mail).toMatchObject({ subject: 'Stockflow mug is back in stock', to: [email] });
      expect(mail!.text).toContain('5 units available');
      expect(mail!.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
      expect(sms!.body).toContain('Stockflow mug is back in stock');
      expect(sms!.accountSid).toBe(SMS_SINK_ACCOUNTS.primary);
      expect(stream.events[0]!.data).toMatchObject({ sku: 'SYS-MUG', title: 'Stockflow mug is back in stock' });
      expect(Number(stream.events[0]!.id)).toBe(inbox[0]!.notificationId);
      const sub = await http<{ status: string }>('GET', `${sys.url('notifications')}/subscriptions/${subscription}`);
      expect(sub.body.status).toBe('fulfilled');

      // Restocked again while still in stock: no BackInStock, nothing sent.
      await receive(sys, 'SYS-MUG', 7);
      await sleep(2_000);
      expect(await mailsTo(sys, email)).toHaveLength(1);
      expect(await smsTo(sys, phone)).toHaveLength(1);
      expect(stream.events).toHaveLength(1);
      expect(await listAll(`${sys.url('notifications')}/customers/ada/notifications`)).toHaveLength(1);
    } finally {
      stream.close();
    }
  });

  it('10 units restocked with 30 subscribers: the first 10 by subscription time are told, the others not', async () => {
    await registerSku(sys, 'SYS-FAIR', 'Limited print');
    const customers: string[] = [];
    for (let i = 0; i < 30; i++) {
      const id = `fair-${String(i).padStart(2, '0')}`;
      customers.push(id);
      await preferences(sys, id, { email: `${id}@example.com`, channels: { email: true, sms: false, web: true } });
      await subscribe(sys, id, 'SYS-FAIR');
    }
    await receive(sys, 'SYS-FAIR', 10);
    const told = async (): Promise<string[]> => {
      const mails = await mailsTo(sys);
      return [...new Set(mails.filter((m) => m.subject.startsWith('Limited print')).map((m) => m.to[0]!.replace('@example.com', '')))].sort();
    };
    await eventually(told, (t) => t.length >= 10, 20_000, '10 emails');
    await sleep(2_000);
    expect(await told()).toEqual(customers.slice(0, 10));
    const subs = await Promise.all(customers.map((c) => listAll<{ status: string }>(`${sys.url('notifications')}/customers/${c}/subscriptions`)));
    expect(subs.map((s) => s[0]!.status)).toEqual([...Array(10).fill('fulfilled'), ...Array(20).fill('active')]);
  });

  it('the first SMS provider failing → the second delivers', async () => {
    const phone = '+4915170000002';
    await registerSku(sys, 'SYS-SMS', 'Desk lamp');
    await preferences(sys, 'bea', { phone, channels: { email: false, sms: true, web: false } });
    await subscribe(sys, 'bea', 'SYS-SMS');
    await smsMode(sys, 'fail-500', [SMS_SINK_ACCOUNTS.primary]);
    try {
      await receive(sys, 'SYS-SMS', 3);
      const texts = await eventually(() => smsTo(sys, phone), (m) => m.length >= 1, 20_000, 'the SMS');
      await sleep(1_000);
      expect(await smsTo(sys, phone)).toHaveLength(1);
      expect(texts[0]!.accountSid).toBe(SMS_SINK_ACCOUNTS.secondary);
    } finally {
      await smsMode(sys, 'accept');
    }
  });

  it('SMTP rejecting temporarily for a while → the mail is delayed, then delivered once', async () => {
    const email = 'cy.flow@example.com';
    await registerSku(sys, 'SYS-SMTP', 'Teapot');
    await preferences(sys, 'cy', { email, channels: { email: true, sms: false, web: false } });
    await subscribe(sys, 'cy', 'SYS-SMTP');
    await mailMode(sys, 'reject-temporary');
    let restoredAt = 0;
    try {
      await receive(sys, 'SYS-SMTP', 2);
      await sleep(3_000);
      expect(await mailsTo(sys, email)).toHaveLength(0);
    } finally {
      await mailMode(sys, 'accept');
      restoredAt = Date.now();
    }
    const [mail] = await eventually(() => mailsTo(sys, email), (m) => m.length >= 1, 30_000, 'the delayed email');
    expect(new Date(mail!.receivedAt).getTime()).toBeGreaterThanOrEqual(restoredAt - 1_000);
    await sleep(2_000);
    expect(await mailsTo(sys, email)).toHaveLength(1);
  });

  it('an availability subscriber hears of the restock and of the sell-out, in German', async () => {
    await registerSku(sys, 'SYS-AV', 'Notebook');
    await preferences(sys, 'dov', { locale: 'de', channels: { email: false, sms: false, web: true } });
    await subscribe(sys, 'dov', 'SYS-AV', 'availability');
    await receive(sys, 'SYS-AV', 4);
    await eventually(() => listAll(`${sys.url('notifications')}/customers/dov/notifications`), (items) => items.length >= 1, 20_000, 'back in stock');
    await sellOut(sys, 'SYS-AV');
    const inbox = await eventually(
      () => listAll<{ title: string }>(`${sys.url('notifications')}/customers/dov/notifications`),
      (items) => items.length >= 2,
      20_000,
      'sold out',
    );
    expect(inbox.map((n) => n.title)).toEqual(['Notebook ist ausverkauft', 'Notebook ist wieder da']);
  });

  it('sends nothing but the code to an email address or phone number its owner has not confirmed (ADR 0028)', async () => {
    const email = 'eve.unconfirmed@example.com';
    const phone = '+4915170000099';
    await registerSku(sys, 'SYS-UNC', 'Stapler');
    // Set by someone who does not own them (no code is ever typed in), then a restock.
    const put = await http<{ confirmed: unknown }>('PUT', `${sys.url('notifications')}/customers/eve/preferences`, { email, phone, channels: { email: true, sms: true, web: true } });
    expect(put.status).toBe(200);
    expect(put.body.confirmed).toEqual({ email: false, sms: false });
    await subscribe(sys, 'eve', 'SYS-UNC');
    await receive(sys, 'SYS-UNC', 3);
    // The web inbox (the customer's own) hears of it; the address and number do not.
    await eventually(() => listAll(`${sys.url('notifications')}/customers/eve/notifications`), (items) => items.length >= 1, 20_000, 'the web notification');
    await sleep(2_000);
    expect(await mailsTo(sys, email)).toEqual([]);
    expect(await smsTo(sys, phone)).toEqual([]);
    // What they did get: one code each, once.
    expect((await sentMails(sys.url('mail-sink'), email)).filter(isConfirmationMail)).toHaveLength(1);
    expect((await sentSms(sys.url('sms-sink'), phone)).filter(isConfirmationSms)).toHaveLength(1);
  });

  it("an SMS goes sent → delivered, another sent → undelivered (30003), from the provider's status callbacks, on the deliveries view and the read side", async () => {
    await registerSku(sys, 'SYS-SMSREPORT', 'Report lamp');
    const sms = { email: false, sms: true, web: false };
    await preferences(sys, 'report-ok', { phone: '+4915170000777', channels: sms });
    await preferences(sys, 'report-lost', { phone: '+4915170030003', channels: sms }); // the sink reports …30003 unreachable
    await subscribe(sys, 'report-ok', 'SYS-SMSREPORT');
    await subscribe(sys, 'report-lost', 'SYS-SMSREPORT');
    await receive(sys, 'SYS-SMSREPORT', 5);
    type Delivery = { customerId: string; status: string; providerMessageId: string; providerStatus: string | null; providerErrorCode: string | null; log: { status: string; detail: string | null }[] };
    const deliveries = await eventually(
      () => listAll<Delivery>(`${sys.url('notifier')}/deliveries?sku=SYS-SMSREPORT&channel=sms`),
      (d) => d.length === 2 && d.every((x) => x.providerStatus === 'delivered' || x.providerStatus === 'undelivered'),
      30_000,
      'both SMS reported',
    );
    const of = (customerId: string) => deliveries.find((d) => d.customerId === customerId)!;
    expect(of('report-ok')).toMatchObject({ status: 'sent', providerStatus: 'delivered', providerErrorCode: null });
    expect(of('report-lost')).toMatchObject({ status: 'sent', providerStatus: 'undelivered', providerErrorCode: '30003' });
    expect(of('report-lost').log.map((l) => [l.status, l.detail])).toContainEqual(['reported', 'undelivered (error 30003)']);
    const perChannel = await eventually(
      () => listAll<{ channel: string; undelivered: number }>(`${sys.url('projections')}/views/notifications/deliveries`),
      (rows) => (rows.find((r) => r.channel === 'sms')?.undelivered ?? 0) >= 1,
      20_000,
      'the undelivered SMS on the read side',
    );
    expect(perChannel.find((r) => r.channel === 'sms')!.undelivered).toBeGreaterThanOrEqual(1);
  });
});
