import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { relayHeaders } from '@stockflow/messaging/testing';
import { readAllPages, type Page } from '@stockflow/platform';
import { eventually, isConfirmationMail, isConfirmationSms, sentMails, sentSms, sleep } from '@stockflow/testing';
import { startNotifierHarness, type NotifierHarness } from '../testing/notifier-harness.js';

interface Delivery {
  deliveryId: string;
  createdAt: string;
  channel: string;
  status: string;
  attempts: number;
  provider: string | null;
  providerMessageId: string | null;
  lastError: string | null;
  recipient: string | null;
  log: { status: string; detail: string | null; provider: string | null }[];
}

describe('notifier: delivery on email, SMS and web', () => {
  let h: NotifierHarness;

  beforeAll(async () => {
    h = await startNotifierHarness();
    await h.startNotifier();
  }, 90_000);
  afterAll(async () => {
    await h?.stop();
  });

  async function customer(id: string, prefs: Record<string, unknown>, sku: string, kind = 'back-in-stock'): Promise<string> {
    await h.preferences(id, prefs);
    const created = await h.api<{ subscriptionId: string }>('POST', '/subscriptions', { customerId: id, sku, kind });
    expect(created.status).toBe(201);
    return created.body.subscriptionId;
  }

  /** The outcome events the notifier appended to the context's log for a customer's deliveries. */
  const outcomeEvents = (customerId: string): Promise<{ type: string; stream_id: string; channel: string; data: Record<string, unknown> }[]> =>
    h.query(
      `SELECT type, stream_id, data->>'channel' AS channel, data FROM $schema.events
       WHERE stream_id LIKE 'delivery-%' AND data->>'customerId' = $1 ORDER BY data->>'channel'`,
      [customerId],
    );

  const deliveries = async (customerId: string): Promise<Delivery[]> =>
    ((await (await fetch(`${h.notifier!.url}/deliveries?customerId=${encodeURIComponent(customerId)}`)).json()) as Page<Delivery>).items.sort((a, b) =>
      a.channel.localeCompare(b.channel),
    );
  const inboxOf = (customerId: string) =>
    h.api<Page<{ title: string; sku: string; kind: string }>>('GET', `/customers/${customerId}/notifications`).then((r) => ({ status: r.status, body: r.body.items }));

  it('a restock from 0 tells a customer once on each chosen channel; the subscription ends; later restocks send nothing', async () => {
    const email = 'ada@example.com';
    const phone = '+4915100000101';
    const subscription = await customer('ada', { email, phone, locale: 'de', timeZone: 'Europe/Berlin', channels: { email: true, sms: true, web: true } }, 'MUG-1');
    await h.publish('SkuRegistered', { sku: 'MUG-1', name: 'Kaffeebecher', lowStockThreshold: 2 });
    await h.restock('MUG-1', 5);

    const mails = await eventually(() => h.mails(email), (m) => m.length >= 1, 10_000, 'the email');
    const texts = await eventually(() => h.sms(phone), (m) => m.length >= 1, 10_000, 'the SMS');
    const inbox = await eventually(() => inboxOf('ada'), (r) => r.body.length >= 1, 10_000, 'the inbox row');
    expect(mails[0]).toMatchObject({ subject: 'Kaffeebecher ist wieder da', to: [email] });
    expect(mails[0]!.text).toContain('5 Stück verfügbar');
    expect(mails[0]!.text).toContain('https://shop.example/products/MUG-1');
    expect(mails[0]!.headers['message-id']).toMatch(/^<[0-9a-f-]{36}@notifier\.stockflow>$/);
    expect(mails[0]!.headers['list-unsubscribe']).toMatch(new RegExp(`^<${h.notificationsUrl}/unsubscribe\\?token=v1\\.[^>]+>$`));
    expect(mails[0]!.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    expect(texts[0]).toMatchObject({ to: phone, accountSid: h.providers[0]!.accountSid });
    expect(texts[0]!.body).toContain('Kaffeebecher ist wieder da');
    expect(texts[0]!.body).toContain('https://shop.example/products/MUG-1');
    expect(inbox.body).toMatchObject([{ sku: 'MUG-1', title: 'Kaffeebecher ist wieder da', body: expect.stringContaining('5 Stück') }]);

    const sub = await h.api<{ status: string }>('GET', `/subscriptions/${subscription}`);
    expect(sub.body.status).toBe('fulfilled');
    const log = await deliveries('ada');
    expect(log.map((d) => [d.channel, d.status, d.attempts])).toEqual([
      ['email', 'sent', 1],
      ['sms', 'sent', 1],
      ['web', 'sent', 1],
    ]);
    expect(log[0]!.log.map((l) => l.status)).toEqual(['queued', 'sent']);
    // The log says where each went, masked (ADR 0029): the clear address is read at send time only.
    expect(log.map((d) => d.recipient)).toEqual(['a***@example.com', '+49***01', 'inbox']);
    expect(log[0]!.providerMessageId).toBe(mails[0]!.headers['message-id']);
    // Each outcome is published once, as NotificationDelivered on the delivery's own stream.
    const outcomes = await outcomeEvents('ada');
    expect(outcomes.map((e) => [e.type, e.channel])).toEqual([
      ['NotificationDelivered', 'email'],
      ['NotificationDelivered', 'sms'],
      ['NotificationDelivered', 'web'],
    ]);
    expect(outcomes.map((e) => e.stream_id).sort()).toEqual(log.map((d) => `delivery-${d.deliveryId}`).sort());
    expect(outcomes[0]!.data).toMatchObject({ subscriptionId: subscription, sku: 'MUG-1', kind: 'back-in-stock', attempts: 1, latencyMs: expect.any(Number) });

    // More stock while in stock (no BackInStock), and a later restock from 0: the one-shot subscription is over.
    await h.publish('StockLevelChanged', { sku: 'MUG-1', onHand: 9, reserved: 0, available: 9 });
    await h.publish('OutOfStock', { sku: 'MUG-1' });
    await h.restock('MUG-1', 3);
    await sleep(1500);
    expect(await h.mails(email)).toHaveLength(1);
    expect(await h.sms(phone)).toHaveLength(1);
    expect((await inboxOf('ada')).body).toHaveLength(1);
  });

  it('sends each confirmation code once, in the customer language, without list headers, and then forgets it (ADR 0028)', async () => {
    const email = 'kim@example.com';
    const phone = '+4915100000177';
    await h.preferences('kim', { email, phone, locale: 'de', channels: { email: true, sms: true, web: false } });
    const [mail] = (await sentMails(h.mailSinkUrl, email)).filter(isConfirmationMail);
    expect(mail).toMatchObject({ subject: 'Ihr stockflow-Bestätigungscode', to: [email] });
    expect(mail!.text).toMatch(/Bestätigungscode lautet \d{6}/);
    expect(mail!.headers['list-unsubscribe']).toBeUndefined();
    expect((await sentSms(h.smsSinkUrl, phone)).filter(isConfirmationSms)).toHaveLength(1);
    // Sent, and the code is gone from the table: it exists only in the messages now.
    const rows = await h.query<{ send_status: string; code: string | null }>(`SELECT send_status, code FROM $schema.contact_confirmations WHERE customer_id = 'kim'`);
    expect(rows).toEqual([
      { send_status: 'sent', code: null },
      { send_status: 'sent', code: null },
    ]);
    expect(await h.mails(email)).toEqual([]); // confirmation codes are not notifications
  });

  it('the mailed unsubscribe link works: no more email after it', async () => {
    const email = 'ben@example.com';
    await customer('ben', { email, channels: { email: true, sms: false, web: false } }, 'LAMP-1', 'availability');
    await h.restock('LAMP-1', 2);
    const [mail] = await eventually(() => h.mails(email), (m) => m.length >= 1, 10_000, 'the email');
    const link = /<([^>]+)>/.exec(mail!.headers['list-unsubscribe']!)![1]!;
    const clicked = await fetch(link, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(clicked.status).toBe(200);
    expect(((await h.api<{ channels: { email: boolean } }>('GET', '/customers/ben/preferences')).body.channels.email)).toBe(false);
    await h.publish('OutOfStock', { sku: 'LAMP-1' });
    await sleep(1000);
    expect(await h.mails(email)).toHaveLength(1);
  });

  it('availability subscribers hear every transition (back, low, out), in their language', async () => {
    await customer('cyd', { locale: 'en', channels: { email: false, sms: false, web: true } }, 'PEN-1', 'availability');
    await h.publish('SkuRegistered', { sku: 'PEN-1', name: 'Fountain pen', lowStockThreshold: 3 });
    await h.restock('PEN-1', 10);
    await h.publish('LowStock', { sku: 'PEN-1', available: 2, threshold: 3 });
    await h.publish('OutOfStock', { sku: 'PEN-1' });
    const inbox = await eventually(() => inboxOf('cyd'), (r) => r.body.length >= 3, 10_000, '3 inbox rows');
    expect(inbox.body.map((n) => n.title)).toEqual(['Fountain pen is sold out', 'Fountain pen is running low', 'Fountain pen is back in stock']);
    const sub = await h.api<Page<{ status: string }>>('GET', '/customers/cyd/subscriptions');
    expect(sub.body.items[0]!.status).toBe('active');
  });

  it('the first SMS provider failing → the second delivers (failover), counted in metrics', async () => {
    const phone = '+4915100000202';
    await customer('dee', { phone, channels: { email: false, sms: true, web: false } }, 'CUP-2');
    await h.smsMode('fail-500', [h.providers[0]!.accountSid]);
    try {
      await h.restock('CUP-2', 1);
      const texts = await eventually(() => h.sms(phone), (m) => m.length >= 1, 10_000, 'the SMS');
      expect(texts).toHaveLength(1);
      expect(texts[0]!.accountSid).toBe(h.providers[1]!.accountSid);
      const [delivery] = await eventually(() => deliveries('dee'), (d) => d[0]?.status === 'sent', 5_000, 'sent');
      expect(delivery).toMatchObject({ provider: 'secondary', attempts: 1 });
      const metrics = await (await fetch(`${h.notifier!.url}/metrics`)).text();
      expect(metrics).toMatch(/notifier_sms_failovers_total\{from="primary",to="secondary"\} [1-9]/);
    } finally {
      await h.smsMode('accept');
    }
  });

  it('every SMS provider failing → retried with backoff, delivered once when one recovers', async () => {
    const phone = '+4915100000303';
    await customer('eli', { phone, channels: { email: false, sms: true, web: false } }, 'CUP-3');
    await h.smsMode('fail-429');
    await h.restock('CUP-3', 1);
    await eventually(() => deliveries('eli'), (d) => (d[0]?.log.filter((l) => l.status === 'failed').length ?? 0) >= 2, 15_000, 'two failed attempts');
    await h.smsMode('accept');
    await eventually(() => h.sms(phone), (m) => m.length >= 1, 15_000, 'the SMS');
    await sleep(500);
    expect(await h.sms(phone)).toHaveLength(1);
    const [delivery] = await deliveries('eli');
    expect(delivery!.status).toBe('sent');
    expect(delivery!.attempts).toBeGreaterThanOrEqual(3);
  });

  it('SMTP rejecting temporarily → mail delayed, then delivered once', async () => {
    const email = 'fay@example.com';
    await customer('fay', { email, channels: { email: true, sms: false, web: false } }, 'CUP-4');
    await h.mailMode('reject-temporary');
    try {
      await h.restock('CUP-4', 1);
      const [failing] = await eventually(() => deliveries('fay'), (d) => (d[0]?.log.filter((l) => l.status === 'failed').length ?? 0) >= 2, 15_000, 'two failed attempts');
      expect(failing!.lastError).toContain('451');
      expect(await h.mails(email)).toHaveLength(0);
    } finally {
      await h.mailMode('accept');
    }
    await eventually(() => h.mails(email), (m) => m.length >= 1, 15_000, 'the email');
    await sleep(500);
    expect(await h.mails(email)).toHaveLength(1);
  });

  it('a permanent refusal (550) is dead at once with the reason; a number that opted out (STOP) gets no SMS planned', async () => {
    await customer('gus', { email: 'gus@example.com', phone: '+4915100000404', channels: { email: true, sms: true, web: false } }, 'CUP-5');
    await h.mailMode('reject-permanent');
    const stop = await fetch(`${h.notificationsUrl}/webhooks/sms`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'From=%2B4915100000404&Body=STOP' });
    expect(stop.status).toBe(200);
    try {
      await h.restock('CUP-5', 1);
      // Opted out before the wave: no SMS delivery is planned at all.
      const [email] = await eventually(() => deliveries('gus'), (d) => d[0]?.status === 'dead', 10_000, 'dead');
      expect(email!.channel).toBe('email');
      expect(email!.attempts).toBe(1);
      expect(email!.lastError).toMatch(/refused: .*550/);
      expect(email!.log.map((l) => l.status)).toEqual(['queued', 'dead']);
      expect(await deliveries('gus')).toHaveLength(1);
      const outcomes = await outcomeEvents('gus');
      expect(outcomes.map((e) => [e.type, e.channel])).toEqual([['NotificationFailed', 'email']]);
      expect(outcomes[0]!.data['reason']).toMatch(/refused: .*550/);
    } finally {
      await h.mailMode('accept');
    }
  });

  it('quiet hours hold a delivery until the window ends in the customer’s zone (never dropped)', async () => {
    // A window around the current minute in Pacific/Kiritimati (UTC+14), ending in two minutes.
    const now = new Date();
    const local = new Date(now.getTime() + 14 * 3600_000);
    const hhmm = (d: Date): string => `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
    const start = hhmm(new Date(local.getTime() - 60 * 60_000));
    const end = hhmm(new Date(local.getTime() + 2 * 60_000));
    await customer('hana', { timeZone: 'Pacific/Kiritimati', quietHours: { start, end }, channels: { email: false, sms: false, web: true } }, 'CUP-6');
    await h.restock('CUP-6', 1);
    const [held] = await eventually(() => deliveries('hana'), (d) => d.length === 1, 10_000, 'planned');
    expect(held!.status).toBe('queued');
    expect(held!.log[0]!.detail).toMatch(/held for quiet hours until/);
    const until = new Date((await h.query<{ held_until: Date }>('SELECT held_until FROM $schema.deliveries WHERE customer_id = $1', ['hana']))[0]!.held_until);
    expect(until.getTime()).toBeGreaterThan(now.getTime() + 60_000);
    expect(until.getTime()).toBeLessThanOrEqual(now.getTime() + 3 * 60_000);
    await sleep(500);
    expect((await inboxOf('hana')).body).toHaveLength(0);
    // Time passes: the window ends (moved into the past here rather than waiting two minutes).
    // The window first, then the due time: the other order lets a dispatcher poll in between hold it again.
    await h.query(`UPDATE $schema.customers SET quiet_start = NULL, quiet_end = NULL WHERE customer_id = 'hana'`);
    await h.query(`UPDATE $schema.deliveries SET next_attempt_at = now() WHERE customer_id = 'hana'`);
    await eventually(() => inboxOf('hana'), (r) => r.body.length === 1, 10_000, 'delivered after the window');
  });

  it('a delivery held for quiet hours is cancelled, with the reason, if the number opts out meanwhile', async () => {
    const phone = '+4915100000505';
    const now = new Date();
    const hhmm = (d: Date): string => `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
    await customer(
      'jay',
      { phone, timeZone: 'UTC', quietHours: { start: hhmm(new Date(now.getTime() - 60 * 60_000)), end: hhmm(new Date(now.getTime() + 10 * 60_000)) }, channels: { email: false, sms: true, web: false } },
      'CUP-8',
    );
    await h.restock('CUP-8', 1);
    await eventually(() => deliveries('jay'), (d) => d[0]?.status === 'queued', 10_000, 'held');
    await fetch(`${h.notificationsUrl}/webhooks/sms`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `From=${encodeURIComponent(phone)}&Body=stop` });
    await h.query(`UPDATE $schema.deliveries SET next_attempt_at = now() WHERE customer_id = 'jay'`);
    const [cancelled] = await eventually(() => deliveries('jay'), (d) => d[0]?.status === 'cancelled', 10_000, 'cancelled');
    expect(cancelled!.lastError).toBe('the phone number opted out (STOP)');
    expect(await h.sms(phone)).toHaveLength(0);
  });

  it('GET /deliveries pages the log newest first: every delivery once, filters kept across pages', async () => {
    const all = ((await (await fetch(`${h.notifier!.url}/deliveries?limit=500`)).json()) as Page<Delivery>).items;
    expect(all.length).toBeGreaterThanOrEqual(5);
    const pages = await readAllPages(async (cursor) => {
      const page = (await (await fetch(`${h.notifier!.url}/deliveries?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`)).json()) as Page<Delivery>;
      expect(page.items.length).toBeLessThanOrEqual(2);
      return page;
    }, 1000);
    expect(pages.flatMap((p) => p.items.map((d) => d.deliveryId))).toEqual(all.map((d) => d.deliveryId));
    const created = all.map((d) => d.createdAt);
    expect([...created].sort().reverse()).toEqual(created);
    const web = await readAllPages(async (cursor) => (await (await fetch(`${h.notifier!.url}/deliveries?channel=web&limit=1${cursor === null ? '' : `&cursor=${cursor}`}`)).json()) as Page<Delivery>, 1000);
    expect(web.flatMap((p) => p.items.map((d) => d.deliveryId))).toEqual(all.filter((d) => d.channel === 'web').map((d) => d.deliveryId));
  });

  it('GET /deliveries refuses bad filters with a 400 problem', async () => {
    const otherList = Buffer.from('["views.stock","A"]').toString('base64url');
    const numberForId = Buffer.from('["notifier.deliveries","2026-01-01T00:00:00Z",7]').toString('base64url');
    for (const query of ['limit=0', 'limit=501', 'limit=x', 'cursor=%00', `cursor=${otherList}`, `cursor=${numberForId}`, 'cursor=bm9wZQ', 'channel=fax', 'status=lost', 'sku=a%20b', 'customerId=' + 'c'.repeat(65), 'unknown=1']) {
      const response = await fetch(`${h.notifier!.url}/deliveries?${query}`);
      expect({ query, status: response.status, type: response.headers.get('content-type') }).toEqual({ query, status: 400, type: expect.stringContaining('application/problem+json') });
    }
  });

  it('redelivered and duplicated events plan nothing twice (one delivery per subscription, event and channel)', async () => {
    await customer('ivy', { channels: { email: false, sms: false, web: true } }, 'CUP-7', 'availability');
    const eventId = await h.restock('CUP-7', 4);
    // The same event id again (as a relay re-publication past the dedup window would be).
    await h.query(`DELETE FROM $schema.processed_events WHERE event_id = $1`, [eventId]).catch(() => undefined);
    const { jetstream } = await import('@nats-io/jetstream');
    await jetstream(h.nats).publish(
      `${h.namespace}.inventory.sku.BackInStock`,
      JSON.stringify({ eventId, type: 'BackInStock', schemaVersion: 1, streamId: 'sku-CUP-7', streamPosition: 9, globalPosition: 9, occurredAt: new Date().toISOString(), correlationId: 'c', causationId: null, traceparent: null, data: { sku: 'CUP-7', available: 4 } }),
      { headers: relayHeaders(9) },
    );
    await sleep(1500);
    expect((await inboxOf('ivy')).body).toHaveLength(1);
    expect(await deliveries('ivy')).toHaveLength(1);
  });
});
