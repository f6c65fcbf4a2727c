// Personal data never in logs (ADR 0027), on real processes logging at debug: a customer's e-mail
// address and phone number go through preferences, a subscription, a restock delivered by e-mail,
// SMS and the web inbox, the unsubscribe page and its one-click POST, an SMS STOP, refused requests
// that carry the address, the phone or a token in their URL, and a bearer token. Then every line
// the stockflow processes wrote (the development sinks are stand-ins for outside providers and are
// left out) is searched for the address, the phone number and the tokens: zero hits.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { mailsTo, preferences, receive, registerSku, smsTo, subscribe } from './notifications-support.js';
import { eventually, http, startTestSystem, type TestSystem } from './test-system.js';

const PROCESSES = ['mail-sink', 'sms-sink', 'inventory', 'notifications', 'notifier', 'projections'];
const SINKS = new Set(['mail-sink', 'sms-sink']);
const debug = Object.fromEntries(PROCESSES.filter((p) => !SINKS.has(p)).map((p) => [p, { LOG_LEVEL: 'debug' }]));

describe('personal data never reaches the logs', () => {
  let sys: TestSystem;
  let stopped = false;

  beforeAll(async () => {
    sys = await startTestSystem({ only: PROCESSES, env: debug });
  }, 120_000);
  afterAll(async () => {
    if (!stopped) await sys?.stop();
  });

  it('a delivery, an unsubscribe, an SMS STOP and refused requests log no address, phone number or token', async () => {
    const email = 'rhea.private@example.org';
    const phone = '+4915179990001';
    const bearer = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyaGVhIn0.c2lnbmF0dXJlLW9mLXJoZWE';
    const notifications = sys.url('notifications');

    await registerSku(sys, 'LOG-MUG', 'Log mug');
    await preferences(sys, 'rhea', { email, phone, locale: 'en', timeZone: 'Europe/Berlin', channels: { email: true, sms: true, web: true } });
    await subscribe(sys, 'rhea', 'LOG-MUG');
    await receive(sys, 'LOG-MUG', 3);
    const [mail] = await eventually(() => mailsTo(sys, email), (m) => m.length >= 1, 30_000, 'the email');
    await eventually(() => smsTo(sys, phone), (m) => m.length >= 1, 30_000, 'the SMS');
    const link = /<([^>]+)>/.exec(mail!.headers['list-unsubscribe'] as string)![1]!;
    const token = new URL(link).searchParams.get('token')!;
    expect(token.length).toBeGreaterThan(20);

    // The link (a page, no change), then the one-click POST.
    const page = await fetch(link);
    expect(page.status).toBe(200);
    const posted = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(posted.status).toBe(200);
    // STOP from the phone (development: unsigned).
    const stop = await fetch(`${notifications}/webhooks/sms`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `From=${encodeURIComponent(phone)}&Body=STOP` });
    expect(stop.status).toBe(200);

    // Requests (most of them refused) whose URL, body or headers carry the personal data.
    const refused = [
      await http('GET', `${notifications}/customers/rhea/preferences?email=${encodeURIComponent(email)}&phone=${encodeURIComponent(phone)}`),
      await http('POST', `${notifications}/unsubscribe?token=${token}x`, undefined),
      await http('PUT', `${notifications}/customers/rhea/preferences`, { email, phone: `${phone}-not-e164`, channels: { email: true } }),
      await http('GET', `${notifications}/customers/rhea/preferences`, undefined, { authorization: `Bearer ${bearer}` }),
      await http('GET', `${sys.url('notifier')}/deliveries?customerId=rhea&to=${encodeURIComponent(email)}`),
    ];
    for (const answer of refused) expect(answer.status).toBeLessThan(500);
    expect(refused[1]!.status).toBe(400);
    expect(refused[2]!.status).toBe(400);
    const read = await http<{ email: string; phone: string }>('GET', `${notifications}/customers/rhea/preferences`);
    expect(read.body).toMatchObject({ email, phone });

    await sys.stop();
    stopped = true;
    const lines = readFileSync(sys.logFile, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '' && !SINKS.has(/^\[([^\]]+)\]/.exec(line)?.[1] ?? ''));
    const needles = [email, encodeURIComponent(email), 'rhea.private', phone, encodeURIComponent(phone), phone.slice(1), token, bearer];
    const hits = lines.filter((line) => needles.some((needle) => line.includes(needle)));
    const byProcess = lines.reduce<Record<string, number>>((counts, line) => {
      const name = /^\[([^\]]+)\]/.exec(line)?.[1] ?? '?';
      counts[name] = (counts[name] ?? 0) + 1;
      return counts;
    }, {});
    console.log(`personal data in logs: ${lines.length} lines of ${Object.keys(byProcess).length} processes searched (${JSON.stringify(byProcess)}), ${hits.length} hits`);
    expect(lines.length).toBeGreaterThan(20);
    expect(lines.some((line) => line.includes('request completed') && line.includes('/unsubscribe'))).toBe(true);
    expect(hits).toEqual([]);
  });
});
