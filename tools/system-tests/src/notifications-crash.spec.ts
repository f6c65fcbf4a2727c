// The notifier killed with SIGKILL in the middle of a 300-customer fan-out, then started again.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mailsTo, preferences, receive, registerSku, smsTo, subscribe } from './notifications-support.js';
import { eventually, listAll, startTestSystem, type TestSystem } from './test-system.js';

const N = 300;

describe('notifier crash mid-fan-out', () => {
  let sys: TestSystem;

  beforeAll(async () => {
    // A slower fan-out (fewer parallel sends, a lower SMS rate) so that the kill lands in the middle.
    sys = await startTestSystem({ env: { notifier: { EMAIL_CONCURRENCY: '4', SMS_CONCURRENCY: '4', WAVE_SIZE: '100' } } });
  }, 120_000);
  afterAll(async () => {
    await sys?.stop();
  });

  it(`${N} subscribers on email, SMS and web: no duplicate a customer can see, nobody skipped`, async () => {
    await registerSku(sys, 'SYS-CRASH', 'Crash-test dummy');
    const customers = Array.from({ length: N }, (_, i) => ({ id: `k${String(i).padStart(3, '0')}`, email: `k${i}@crash.example`, phone: `+491520${String(1000000 + i)}` }));
    for (let i = 0; i < N; i += 20) {
      await Promise.all(
        customers.slice(i, i + 20).map(async (c) => {
          await preferences(sys, c.id, { email: c.email, phone: c.phone, channels: { email: true, sms: true, web: true } });
          await subscribe(sys, c.id, 'SYS-CRASH');
        }),
      );
    }
    await receive(sys, 'SYS-CRASH', N);
    await eventually(() => mailsTo(sys), (m) => m.filter((x) => x.to[0]!.endsWith('@crash.example')).length >= 30, 30_000, 'the fan-out under way');
    await sys.system.kill('notifier', 'SIGKILL');
    const atKill = (await mailsTo(sys)).filter((m) => m.to[0]!.endsWith('@crash.example')).length;
    await sys.system.restart('notifier');

    const crashMails = async () => (await mailsTo(sys)).filter((m) => m.to[0]!.endsWith('@crash.example'));
    const crashSms = async () => (await smsTo(sys)).filter((m) => m.to.startsWith('+491520'));
    await eventually(crashMails, (m) => new Set(m.map((x) => x.to[0])).size >= N, 90_000, 'every customer mailed');
    await eventually(crashSms, (m) => new Set(m.map((x) => x.to)).size >= N, 90_000, 'every customer texted');
    const inboxCounts = async (): Promise<number[]> =>
      Promise.all(customers.map(async (c) => (await listAll(`${sys.url('notifications')}/customers/${c.id}/notifications`)).length));
    const counts = await eventually(inboxCounts, (n) => n.every((x) => x >= 1), 60_000, 'every inbox');
    await new Promise((r) => setTimeout(r, 2_000));

    const mails = await crashMails();
    const texts = await crashSms();
    expect(counts.every((n) => n === 1)).toBe(true);
    const ids = new Map<string, Set<string>>();
    for (const m of mails) ids.set(m.to[0]!, (ids.get(m.to[0]!) ?? new Set()).add(m.headers['message-id']!));
    expect(ids.size).toBe(N);
    expect([...ids.values()].filter((s) => s.size !== 1)).toEqual([]);
    const perPhone = new Map<string, number>();
    for (const t of texts) perPhone.set(t.to, (perPhone.get(t.to) ?? 0) + 1);
    expect(perPhone.size).toBe(N);
    const deliveries = await listAll<{ channel: string; status: string; log: { detail: string | null }[] }>(`${sys.url('notifier')}/deliveries?sku=SYS-CRASH`);
    expect(deliveries).toHaveLength(3 * N);
    expect(deliveries.every((d) => d.status === 'sent')).toBe(true);
    const interrupted = (channel: string): number =>
      deliveries.filter((d) => d.channel === channel && d.log.some((l) => l.detail?.startsWith('interrupted'))).length;
    // Physical resends only for sends that were in flight at the kill (same Message-ID for email).
    expect(mails.length - N).toBeLessThanOrEqual(interrupted('email'));
    // SMS: the notifier asks the provider's message list before resending, so none is sent twice.
    expect(texts.length).toBe(N);
    console.log(`system crash test: killed at ${atKill} mails; interrupted email ${interrupted('email')}, sms ${interrupted('sms')}; resends email ${mails.length - N}, sms ${texts.length - N}`);
  }, 240_000);
});
