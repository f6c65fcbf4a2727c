import type { TemplateVars } from '../templates/templates.js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { SmsChannel } from './sms-channel.js';
import type { OutgoingMessage } from './channel.js';

/** A provider with Twilio's create and list endpoints (the list is what the SMS sink does not have yet). */
function twilioLike(): { server: Server; url: () => string; messages: { sid: string; to: string; body: string; date_created: string; statusCallback: string | null }[]; list: boolean } {
  const state = { messages: [] as { sid: string; to: string; body: string; date_created: string; statusCallback: string | null }[], list: true, server: null as unknown as Server, url: () => '' };
  state.server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'POST') {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(raw);
        const message = { sid: `SM${state.messages.length}`, to: form.get('To')!, body: form.get('Body')!, date_created: new Date().toUTCString(), statusCallback: form.get('StatusCallback') };
        state.messages.push(message);
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(message));
      });
      return;
    }
    if (!state.list) return void res.writeHead(405).end();
    const to = url.searchParams.get('To');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ messages: state.messages.filter((m) => m.to === to) }));
  });
  state.url = () => `http://127.0.0.1:${(state.server.address() as { port: number }).port}`;
  return state;
}

describe('SmsChannel: finding an interrupted send at the provider', () => {
  const provider = twilioLike();
  let channel: SmsChannel;
  const message: OutgoingMessage = {
    deliveryId: 'd1',
    customerId: 'c1',
    recipient: '+4915100000999',
    locale: 'en',
    vars: { kind: 'back-in-stock', productName: 'Mug', sku: 'MUG', available: 2, link: 'https://shop.example/MUG' },
    resumed: true,
    attempt: 2,
  };

  beforeAll(async () => {
    await new Promise<void>((done) => provider.server.listen(0, '127.0.0.1', done));
    channel = new SmsChannel({
      providers: [{ name: 'p', baseUrl: provider.url(), accountSid: 'AC1', authToken: 't', from: '+1555', ratePerSecond: 100 }],
      timeoutMs: 1000,
      cooldownMs: 0,
      statusCallbackUrl: 'https://notify.example.com/webhooks/sms/status',
    });
  });
  afterAll(async () => {
    await new Promise((done) => provider.server.close(done));
  });

  it('finds a message the provider accepted since the interrupted attempt began, and only that one', async () => {
    const since = new Date(Date.now() - 1000);
    expect(await channel.findAccepted(message, since)).toEqual({ status: 'absent' });
    const receipt = await channel.send(message);
    expect(await channel.findAccepted(message, since)).toEqual({ status: 'found', provider: 'p', sid: receipt.providerMessageId });
    // Every message asks the provider to report its fate (ADR 0031).
    expect(provider.messages.at(-1)!.statusCallback).toBe('https://notify.example.com/webhooks/sms/status');
    expect(await channel.findAccepted({ ...message, vars: { ...(message.vars as TemplateVars), available: 3 } }, since)).toEqual({ status: 'absent' });
  });

  it('says unknown when the provider cannot list messages (the caller sends again: at least once)', async () => {
    provider.list = false;
    expect(await channel.findAccepted(message, new Date())).toEqual({ status: 'unknown' });
  });
});
