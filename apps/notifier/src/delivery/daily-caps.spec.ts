// Daily caps per e-mail address and phone number (ADR 0028), against the real PostgreSQL, NATS,
// notifications service, mail sink and SMS sink: a cap of 2 a UTC day.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { dailyCapKey, recipientCapHash, type CappedChannel } from '@stockflow/notifications-context';
import type { Page } from '@stockflow/platform';
import { eventually, isConfirmationMail, isConfirmationSms, sentMails, sentSms, sleep } from '@stockflow/testing';
import { randomUUID } from 'node:crypto';
import { DEV_UNSUBSCRIBE_SECRET } from '../notifier-config.js';
import { startNotifierHarness, type NotifierHarness } from '../testing/notifier-harness.js';
import { DeliveryStore } from './delivery-store.js';

interface Delivery {
  deliveryId: string;
  customerId: string;
  channel: string;
  status: string;
  attempts: number;
  lastError: string | null;
  log: { status: string; detail: string | null }[];
}

const CAP = 2;

describe('notifier: daily caps per address and per number', () => {
  let h: NotifierHarness;
  const key = dailyCapKey(DEV_UNSUBSCRIBE_SECRET);
  const hashOf = (channel: CappedChannel, recipient: string) => recipientCapHash(key, channel, recipient);

  beforeAll(async () => {
    h = await startNotifierHarness();
    await h.startNotifier({ NOTIFY_DAILY_CAP_PER_ADDRESS: CAP, NOTIFY_DAILY_CAP_PER_NUMBER: CAP });
  }, 90_000);
  afterAll(async () => {
    await h?.stop();
  });

  async function subscribe(id: string, sku: string): Promise<void> {
    expect((await h.api('POST', '/subscriptions', { customerId: id, sku, kind: 'back-in-stock' })).status).toBe(201);
  }

  const list = async (query: string): Promise<Delivery[]> =>
    ((await (await fetch(`${h.notifier!.url}/deliveries?${query}`)).json()) as Page<Delivery>).items.sort((a, b) => a.customerId.localeCompare(b.customerId));
  const final = (d: Delivery[]) => d.length > 0 && d.every((x) => ['sent', 'capped', 'dead', 'cancelled'].includes(x.status));
  const sendsOf = async (channel: CappedChannel, recipient: string): Promise<{ day: string; sends: number }[]> =>
    h.query<{ day: string; sends: number }>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, sends FROM $schema.daily_sends WHERE channel = $1 AND recipient_hash = $2 ORDER BY day`,
      [channel, hashOf(channel, recipient)],
    );
  const utcDay = async (offset = 0): Promise<string> =>
    (await h.query<{ day: string }>(`SELECT to_char((now() AT TIME ZONE 'UTC')::date + $1::int, 'YYYY-MM-DD') AS day`, [offset]))[0]!.day;
  /** The confirmation codes sent so far move to yesterday's counters: the notifications below start a fresh day. */
  const codesWereYesterday = () => h.query(`UPDATE $schema.daily_sends SET day = day - 1`);

  it('the third e-mail to one address in a UTC day is capped and shown as such; another address is not affected', async () => {
    const shared = 'shared@example.com';
    const other = 'other@example.com';
    const emailOnly = (email: string) => ({ email, channels: { email: true, sms: false, web: false } });
    // One address however it is spelt: two customers, two confirmation codes to it (the cap's worth).
    await h.preferences('cap-a1', emailOnly(shared));
    // (confirmContacts takes the newest code at an address, which is cap-a1's until cap-a2's arrives: by hand.)
    expect((await h.api('PUT', '/customers/cap-a2/preferences', emailOnly('Shared@Example.com'))).status).toBe(200);
    const codes = await eventually(
      async () => (await sentMails(h.mailSinkUrl)).filter((m) => isConfirmationMail(m) && m.to.some((t) => t.toLowerCase() === shared)),
      (m) => m.length === 2,
      10_000,
      'a second code at the shared address',
    );
    const code = /\b(\d{6})\b/.exec(codes[1]!.text ?? '')![1];
    expect((await h.api('POST', '/customers/cap-a2/contacts/email/confirm', { code })).status).toBe(204);
    await h.preferences('cap-b1', emailOnly(other));
    await codesWereYesterday();
    await subscribe('cap-a1', 'CAP-1');
    await subscribe('cap-a2', 'CAP-1');
    await subscribe('cap-b1', 'CAP-1');
    await subscribe('cap-a1', 'CAP-2');

    await h.restock('CAP-1', 10);
    const first = await eventually(() => list('sku=CAP-1'), (d) => d.length === 3 && final(d), 15_000, 'three final deliveries');
    expect(first.map((d) => [d.customerId, d.status])).toEqual([
      ['cap-a1', 'sent'],
      ['cap-a2', 'sent'],
      ['cap-b1', 'sent'],
    ]);
    await h.restock('CAP-2', 10);
    const [capped] = await eventually(() => list('sku=CAP-2'), final, 15_000, 'the third delivery to the shared address');
    expect(capped).toMatchObject({ customerId: 'cap-a1', status: 'capped', lastError: `not sent: the address reached its daily cap of ${CAP} messages (UTC day)` });
    expect(capped!.log.map((l) => l.status)).toEqual(['queued', 'capped']);

    // Visible as its own status in GET /deliveries, which filters on it.
    expect((await list('customerId=cap-a1&status=capped')).map((d) => d.deliveryId)).toEqual([capped!.deliveryId]);

    // What left: two notifications to the shared address, one to the other.
    await sleep(500);
    const mails = await h.mails();
    const to = (address: string) => mails.filter((m) => m.to.some((t) => t.toLowerCase() === address)).length;
    expect({ shared: to(shared), other: to(other) }).toEqual({ shared: CAP, other: 1 });

    // The counters: today's and yesterday's (the codes), under keyed hashes, never an address.
    const [yesterday, today] = [await utcDay(-1), await utcDay()];
    expect(await sendsOf('email', shared)).toEqual([
      { day: yesterday, sends: 2 },
      { day: today, sends: CAP },
    ]);
    expect(await sendsOf('email', other)).toEqual([
      { day: yesterday, sends: 1 },
      { day: today, sends: 1 },
    ]);
    expect(JSON.stringify(await h.query(`SELECT * FROM $schema.daily_sends`))).not.toMatch(/example\.com/i);

    // Capped is final: never retried.
    await sleep(1_000);
    expect((await list('customerId=cap-a1&status=capped')).map((d) => [d.deliveryId, d.attempts])).toEqual([[capped!.deliveryId, capped!.attempts]]);
    expect((await h.mails()).filter((m) => m.to.some((t) => t.toLowerCase() === shared))).toHaveLength(CAP);
  });

  it('a delivery retried after failed sends is counted once; the number is capped on its third message of the day', async () => {
    const phone = '+4915100009901';
    await h.preferences('cap-s1', { phone, channels: { email: false, sms: true, web: false } });
    await codesWereYesterday();
    for (const sku of ['CAP-S1', 'CAP-S2', 'CAP-S3']) await subscribe('cap-s1', sku);
    await h.smsMode('fail-429');
    try {
      await h.restock('CAP-S1', 1);
      await eventually(() => list('sku=CAP-S1'), (d) => (d[0]?.log.filter((l) => l.status === 'failed').length ?? 0) >= 2, 15_000, 'two failed attempts');
    } finally {
      await h.smsMode('accept');
    }
    const [first] = await eventually(() => list('sku=CAP-S1'), (d) => d[0]?.status === 'sent', 15_000, 'sent after the provider recovered');
    expect(first!.attempts).toBeGreaterThanOrEqual(3);
    const today = await utcDay();
    expect((await sendsOf('sms', phone)).filter((c) => c.day === today)).toEqual([{ day: today, sends: 1 }]);

    await h.restock('CAP-S2', 1);
    expect((await eventually(() => list('sku=CAP-S2'), final, 10_000, 'the second SMS'))[0]!.status).toBe('sent');
    expect((await sendsOf('sms', phone)).filter((c) => c.day === today)).toEqual([{ day: today, sends: 2 }]);

    await h.restock('CAP-S3', 1);
    const [third] = await eventually(() => list('sku=CAP-S3'), final, 10_000, 'the third SMS');
    expect(third).toMatchObject({ status: 'capped', lastError: `not sent: the number reached its daily cap of ${CAP} messages (UTC day)` });
    expect((await sendsOf('sms', phone)).filter((c) => c.day === today)).toEqual([{ day: today, sends: 2 }]);
    expect(await h.sms(phone)).toHaveLength(2);
  });

  it('confirmation codes count too: a third code to one number in a day is not sent', async () => {
    const phone = '+4915100009902';
    for (const id of ['cap-d1', 'cap-d2', 'cap-d3']) {
      expect((await h.api('PUT', `/customers/${id}/preferences`, { phone, channels: { email: false, sms: true, web: false } })).status).toBe(200);
    }
    const rows = await eventually(
      () => h.query<{ send_status: string; last_error: string | null; code: string | null }>(`SELECT send_status, last_error, code FROM $schema.contact_confirmations WHERE customer_id LIKE 'cap-d%' ORDER BY send_status`),
      (r) => r.length === 3 && r.every((c) => c.send_status !== 'queued'),
      15_000,
      'three codes handled',
    );
    expect(rows).toEqual([
      { send_status: 'dead', last_error: `not sent: the number reached its daily cap of ${CAP} messages (UTC day)`, code: null },
      { send_status: 'sent', last_error: null, code: null },
      { send_status: 'sent', last_error: null, code: null },
    ]);
    expect((await sentSms(h.smsSinkUrl, phone)).filter(isConfirmationSms)).toHaveLength(CAP);
    expect(await sendsOf('sms', phone)).toEqual([{ day: await utcDay(), sends: CAP }]);
  });

  it('not fail-open: while the counter cannot be written nothing is sent; afterwards the delivery goes out once, counted once', async () => {
    const email = 'uncounted@example.com';
    await h.preferences('cap-c1', { email, channels: { email: true, sms: false, web: false } });
    await codesWereYesterday();
    await subscribe('cap-c1', 'CAP-C1');
    await h.query(`ALTER TABLE $schema.daily_sends RENAME TO daily_sends_away`);
    try {
      await h.restock('CAP-C1', 1);
      const [waiting] = await eventually(
        () => list('sku=CAP-C1'),
        (d) => (d[0]?.log.filter((l) => l.detail === 'the daily cap could not be counted; not sent, retrying').length ?? 0) >= 2,
        15_000,
        'two attempts refused for want of a counter',
      );
      expect(waiting!.status).not.toBe('sent');
      expect(await h.mails(email)).toHaveLength(0);
    } finally {
      await h.query(`ALTER TABLE $schema.daily_sends_away RENAME TO daily_sends`);
    }
    const [sent] = await eventually(() => list('sku=CAP-C1'), (d) => d[0]?.status === 'sent', 15_000, 'sent once the counter is back');
    expect(sent!.log.filter((l) => l.status === 'sent')).toHaveLength(1);
    expect(await h.mails(email)).toHaveLength(1);
    expect(await sendsOf('email', email)).toEqual([
      { day: await utcDay(-1), sends: 1 },
      { day: await utcDay(), sends: 1 },
    ]);
  });

  it('prunes what has served its purpose: old counters, counted messages and SMS status reports, and nothing newer', async () => {
    const store = h.notifier!.service.app.get(DeliveryStore);
    await h.query(
      `INSERT INTO $schema.sms_status_reports (message_sid, status, error_code, reported_at) VALUES
         ('SM-prune-old', 'delivered', NULL, now() - interval '31 days'), ('SM-prune-new', 'delivered', NULL, now() - interval '29 days')`,
    );
    await h.query(`INSERT INTO $schema.daily_sends (channel, recipient_hash, day, sends) VALUES ('email', 'prune-hash', (now() AT TIME ZONE 'UTC')::date - 2, 1)`);
    await store.pruneExpiredRows();
    expect(await h.query(`SELECT message_sid FROM $schema.sms_status_reports WHERE message_sid LIKE 'SM-prune-%'`)).toEqual([{ message_sid: 'SM-prune-new' }]);
    expect(await h.query(`SELECT day FROM $schema.daily_sends WHERE recipient_hash = 'prune-hash'`)).toEqual([]);
  });

  it('replicas counting at once never pass the cap, and counting a delivery again changes nothing', async () => {
    const store = h.notifier!.service.app.get(DeliveryStore);
    const hash = hashOf('sms', '+4915100009999');
    const ids = Array.from({ length: 12 }, () => randomUUID());
    // Twelve claimed deliveries to one number (rows as the planner writes them, claimed as a sender would).
    await h.query(
      `INSERT INTO $schema.deliveries (id, subscription_id, event_id, channel, customer_id, sku, kind, status, attempts, next_attempt_at, event_occurred_at)
       SELECT id, gen_random_uuid(), gen_random_uuid(), 'sms', 'cap-race', 'CAP-R', 'back-in-stock', 'sending', 1, now(), now() FROM unnest($1::uuid[]) AS id`,
      [ids],
    );
    const started = performance.now();
    const first = await Promise.all(ids.map((id) => store.admit(id, 'sms', hash, 5)));
    const elapsed = performance.now() - started;
    const again = await Promise.all(ids.map((id) => store.admit(id, 'sms', hash, 5)));
    console.log(`daily caps: 12 concurrent admissions on one counter in ${elapsed.toFixed(1)} ms`);

    const counted = first.filter((a) => a.kind === 'counted');
    expect(counted.map((a) => (a.kind === 'counted' ? a.count : 0)).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(first.filter((a) => a.kind === 'capped')).toHaveLength(7);
    // The counted ones again (a retry, a resumed send): already counted; the capped ones stay capped.
    expect(again.map((a) => a.kind)).toEqual(first.map((a) => (a.kind === 'counted' ? 'already-counted' : 'capped')));
    expect((await h.query<{ sends: number }>(`SELECT sends FROM $schema.daily_sends WHERE recipient_hash = $1`, [hash]))[0]!.sends).toBe(5);
    await h.query(`DELETE FROM $schema.deliveries WHERE customer_id = 'cap-race'`);
  });
});
