// The right to erasure (ADR 0029) across the running system: a customer's email address and phone number
// never travel in clear, neither in the PostgreSQL log nor in what the relay put on JetStream; after
// DELETE /customers/:id the read models hold neither, and the copies in the log and on JetStream stay
// sealed under a key that no longer exists.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstreamManager } from '@nats-io/jetstream';
import { connectNats, contextStreamSpec, type NatsConnection } from '@stockflow/messaging';
import { sleep } from '@stockflow/testing';
import { eventually, http, startTestSystem, type TestSystem } from './test-system.js';

const EMAIL = 'ines.erase@example.org';
const PHONE = '+4915170004242';

describe('erasure across the log and JetStream', () => {
  let sys: TestSystem;
  let nc: NatsConnection;

  beforeAll(async () => {
    sys = await startTestSystem({ only: ['notifications', 'notifier', 'mail-sink', 'sms-sink'] });
    nc = await connectNats({ name: 'erasure-spec' });
  }, 120_000);
  afterAll(async () => {
    await nc?.close();
    await sys?.stop();
  }, 60_000);

  /** Every message on the run's notifications stream, as text, once the relay has put `atLeast` there. */
  async function relayed(atLeast: number): Promise<string[]> {
    const jsm = await jetstreamManager(nc);
    const stream = contextStreamSpec('notifications', { namespace: sys.namespace }).name;
    await eventually(async () => (await jsm.streams.info(stream)).state.messages, (n) => n >= atLeast, 20_000, `${atLeast} messages on ${stream}`);
    const { state } = await jsm.streams.info(stream);
    const texts: string[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
      const message = await jsm.streams.getMessage(stream, { seq });
      if (message) texts.push(new TextDecoder().decode(message.data));
    }
    return texts;
  }

  it('keeps them sealed on JetStream, and after erasure no read model holds them', async () => {
    const notifications = sys.url('notifications');
    expect((await http('PUT', `${notifications}/customers/ines/preferences`, { email: EMAIL, phone: PHONE, channels: { email: true, sms: true, web: true } })).status).toBe(200);
    // The preferences and two confirmation requests.
    const before = await relayed(3);
    const ines = before.filter((text) => text.includes('"customer-ines"'));
    expect(ines.length).toBeGreaterThanOrEqual(3);
    expect(ines.join('\n')).toContain('A256GCM.');
    for (const text of before) expect([text.includes(EMAIL), text.includes(PHONE)]).toEqual([false, false]);
    // Her number replies STOP (development: the webhook takes it unsigned): the opt-out travels by the number's blind index.
    const stop = await fetch(`${notifications}/webhooks/sms`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ From: PHONE, Body: 'STOP', To: '+15005550006', MessageSid: 'SM1', AccountSid: 'AC1' }).toString(),
    });
    expect(stop.status).toBe(200);

    expect((await http('DELETE', `${notifications}/customers/ines`)).status).toBe(204);
    const after = await relayed(5);
    expect(after.some((text) => text.includes('"SmsOptedOut"') && /"phone-phx1\.[A-Za-z0-9_-]{43}"/.test(text))).toBe(true);
    expect(after.some((text) => text.includes('"CustomerDataErased"') && text.includes('"customer-ines"'))).toBe(true);
    for (const text of after) expect([text.includes(EMAIL), text.includes(PHONE)]).toEqual([false, false]);
    const view = await http<{ email: unknown; phone: unknown }>('GET', `${notifications}/customers/ines/preferences`);
    expect(view.body).toMatchObject({ email: null, phone: null });
    // The notifier's deliveries keep no address of hers either (none was sent; none will be).
    await sleep(500);
    const deliveries = await http<{ items: Array<{ recipient: string | null }> }>('GET', `${sys.url('notifier')}/deliveries?customerId=ines`);
    expect(JSON.stringify(deliveries.body)).not.toContain(EMAIL);
  });
});
