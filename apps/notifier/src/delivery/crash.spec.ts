// The notifier as a real process, killed with SIGKILL in the middle of a fan-out and started again.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually, sleep, type TestProcesses } from '@stockflow/testing';
import { startNotifierHarness, type NotifierHarness } from '../testing/notifier-harness.js';

const N = 300;

describe('notifier killed hard mid-fan-out', () => {
  let h: NotifierHarness;
  let notifier: TestProcesses | undefined;

  beforeAll(async () => {
    h = await startNotifierHarness();
  }, 90_000);
  afterAll(async () => {
    await notifier?.kill('notifier', 'SIGKILL');
    await h?.stop();
  });

  it(`${N} subscribers on email, SMS and web: after SIGKILL and a restart nobody is skipped and nobody sees a duplicate`, async () => {
    const customers = Array.from({ length: N }, (_, i) => ({
      id: `crash-${String(i).padStart(3, '0')}`,
      email: `crash-${i}@example.com`,
      phone: `+491510${String(1000000 + i)}`,
    }));
    // First: the notifier sends the confirmation codes the customers confirm below (ADR 0028).
    notifier = await h.startNotifierProcess({
      WAVE_SIZE: '100',
      EMAIL_CONCURRENCY: '4',
      SMS_CONCURRENCY: '4',
      SMS_PROVIDERS: JSON.stringify(h.providers.map((p) => ({ ...p, ratePerSecond: 80 }))),
    });
    for (let i = 0; i < N; i += 25) {
      await Promise.all(
        customers.slice(i, i + 25).map(async (c) => {
          await h.preferences(c.id, { email: c.email, phone: c.phone, channels: { email: true, sms: true, web: true } });
          expect((await h.api('POST', '/subscriptions', { customerId: c.id, sku: 'CRASH-1' })).status).toBe(201);
        }),
      );
    }
    await h.restock('CRASH-1', N);
    await eventually(() => h.mails(), (m) => m.length >= 40, 30_000, 'the fan-out under way');
    await notifier.kill('notifier', 'SIGKILL');
    const atKill = { mails: (await h.mails()).length, sms: (await h.sms()).length };
    expect(atKill.mails).toBeLessThan(N);
    await sleep(300);

    await notifier.restart('notifier'); // on the same port, with the same environment
    await eventually(() => h.mails(), (m) => m.length >= N, 60_000, 'every email');
    await eventually(() => h.sms(), (m) => m.length >= N, 60_000, 'every SMS');
    await eventually(
      () => h.query<{ n: number }>(`SELECT count(*)::int AS n FROM $schema.inbox WHERE sku = 'CRASH-1'`),
      (r) => r[0]!.n >= N,
      60_000,
      'every inbox row',
    );
    await sleep(1_000);

    const mails = await h.mails();
    const texts = await h.sms();
    const inbox = await h.query<{ customer_id: string; n: number }>(`SELECT customer_id, count(*)::int AS n FROM $schema.inbox WHERE sku = 'CRASH-1' GROUP BY customer_id`);
    const resumed = await h.query<{ channel: string; n: number }>(
      `SELECT channel, count(*)::int AS n FROM $schema.delivery_log WHERE detail LIKE 'interrupted%' GROUP BY channel`,
    );
    const resumedBy = Object.fromEntries(resumed.map((r) => [r.channel, r.n]));

    // Nobody skipped: every customer has exactly one inbox row, at least one mail and one SMS.
    expect(inbox).toHaveLength(N);
    expect(inbox.every((r) => r.n === 1)).toBe(true);
    const messageIds = new Map<string, Set<string>>();
    for (const mail of mails) {
      const set = messageIds.get(mail.to[0]!) ?? new Set<string>();
      set.add(mail.headers['message-id']!);
      messageIds.set(mail.to[0]!, set);
    }
    expect(messageIds.size).toBe(N);
    // No duplicate a customer can see: one Message-ID per recipient (a resend after the kill reuses it).
    expect([...messageIds.values()].every((ids) => ids.size === 1)).toBe(true);
    const smsPerPhone = new Map<string, number>();
    for (const sms of texts) smsPerPhone.set(sms.to, (smsPerPhone.get(sms.to) ?? 0) + 1);
    expect(smsPerPhone.size).toBe(N);

    // The crash window, measured: physical resends are at most the sends that were in flight at the kill.
    const mailResends = mails.length - N;
    const smsResends = texts.length - N;
    expect(mailResends).toBeLessThanOrEqual(resumedBy.email ?? 0);
    expect(smsResends).toBeLessThanOrEqual(resumedBy.sms ?? 0);
    expect((resumedBy.email ?? 0) + (resumedBy.sms ?? 0)).toBeLessThanOrEqual(8); // at most the channels' concurrency
    const states = await h.query<{ channel: string; status: string; n: number }>(
      `SELECT channel, status, count(*)::int AS n FROM $schema.deliveries WHERE sku = 'CRASH-1' GROUP BY channel, status ORDER BY channel`,
    );
    expect(states).toEqual([
      { channel: 'email', status: 'sent', n: N },
      { channel: 'sms', status: 'sent', n: N },
      { channel: 'web', status: 'sent', n: N },
    ]);
    // The crash neither lost nor repeated an outcome: one NotificationDelivered per delivery, none for another.
    const outcomes = await h.query<{ channel: string; events: number; deliveries: number }>(
      `SELECT e.data->>'channel' AS channel, count(*)::int AS events, count(DISTINCT d.id)::int AS deliveries
       FROM $schema.events e JOIN $schema.deliveries d ON e.stream_id = 'delivery-' || d.id
       WHERE e.type = 'NotificationDelivered' AND d.sku = 'CRASH-1' GROUP BY 1 ORDER BY 1`,
    );
    expect(outcomes).toEqual(['email', 'sms', 'web'].map((channel) => ({ channel, events: N, deliveries: N })));
    const fulfilled = await h.query<{ n: number }>(`SELECT count(*)::int AS n FROM $schema.subscriptions WHERE sku = 'CRASH-1' AND status = 'fulfilled'`);
    expect(fulfilled[0]!.n).toBe(N);
    console.log(
      `crash test: killed at ${atKill.mails} mails / ${atKill.sms} SMS; resumed in-flight sends: email ${resumedBy.email ?? 0}, sms ${resumedBy.sms ?? 0}; ` +
        `physical resends: email ${mailResends} (same Message-ID), sms ${smsResends}`,
    );
  }, 180_000);
});
