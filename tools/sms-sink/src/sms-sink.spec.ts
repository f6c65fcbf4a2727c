import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { startSmsSink, type SmsSink, type StoredSms } from './index.js';
import { twilioSignature } from './twilio.js';

const ACCOUNT_A = 'AC' + 'a'.repeat(32);
const ACCOUNT_B = 'AC' + 'b'.repeat(32);

describe('sms-sink', () => {
  let sink: SmsSink;
  let api: string;

  beforeAll(async () => {
    sink = await startSmsSink({ port: 0 });
    api = `http://127.0.0.1:${sink.port}`;
  });
  afterAll(() => sink.close());
  afterEach(async () => {
    await control({ mode: 'accept' });
    await fetch(`${api}/api/messages`, { method: 'DELETE' });
  });

  const sendSms = (account: string, fields: Record<string, string>, init: RequestInit = {}) =>
    fetch(`${api}/2010-04-01/Accounts/${account}/Messages.json`, { method: 'POST', body: new URLSearchParams(fields), ...init });
  const messages = async (query = ''): Promise<StoredSms[]> => (await fetch(`${api}/api/messages${query}`)).json() as Promise<StoredSms[]>;
  const control = (body: unknown) =>
    fetch(`${api}/api/control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it("reports each message's fate to its StatusCallback as Twilio does: sent, then delivered — or undelivered with 30003 / 21610 by the number — signed with the account's token, retried when refused", async () => {
    const received: { form: Record<string, string>; signature: string | undefined }[] = [];
    let refuseFirst = true;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        if (refuseFirst) {
          refuseFirst = false;
          res.writeHead(503).end();
          return;
        }
        received.push({ form: Object.fromEntries(new URLSearchParams(body)), signature: req.headers['x-twilio-signature'] as string | undefined });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
    const callback = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/sms/status`;
    try {
      const auth = { headers: { authorization: `Basic ${Buffer.from(`${ACCOUNT_A}:the-auth-token`).toString('base64')}` } };
      const sids: string[] = [];
      for (const to of ['+4915112340001', '+4915112330003', '+4915112321610']) {
        const response = await sendSms(ACCOUNT_A, { To: to, From: '+15005550006', Body: 'Back in stock', StatusCallback: callback }, auth);
        sids.push(((await response.json()) as { sid: string }).sid);
      }
      const deadline = Date.now() + 10_000;
      while (received.length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const statuses = (sid: string) => received.filter((r) => r.form.MessageSid === sid).map((r) => [r.form.MessageStatus, r.form.ErrorCode ?? null]);
      expect(statuses(sids[0]!)).toEqual([['sent', null], ['delivered', null]]);
      expect(statuses(sids[1]!)).toEqual([['sent', null], ['undelivered', '30003']]);
      expect(statuses(sids[2]!)).toEqual([['sent', null], ['undelivered', '21610']]);
      for (const r of received) {
        expect(r.form).toMatchObject({ AccountSid: ACCOUNT_A, ApiVersion: '2010-04-01', SmsSid: r.form.MessageSid, SmsStatus: r.form.MessageStatus });
        expect(r.signature).toBe(twilioSignature('the-auth-token', callback, r.form));
      }
    } finally {
      await new Promise((done) => server.close(done));
    }
  });

  it('accepts a form-encoded message like Twilio and lists it', async () => {
    const response = await sendSms(
      ACCOUNT_A,
      { To: '+4915112345678', From: '+15005550006', Body: 'Your order 42 has shipped' },
      { headers: { authorization: `Basic ${Buffer.from(`${ACCOUNT_A}:secret`).toString('base64')}` } },
    );
    expect(response.status).toBe(201);
    const created = (await response.json()) as Record<string, unknown>;
    expect(created).toMatchObject({
      sid: expect.stringMatching(/^SM[0-9a-f]{32}$/),
      to: '+4915112345678',
      from: '+15005550006',
      body: 'Your order 42 has shipped',
      status: 'queued',
      account_sid: ACCOUNT_A,
      date_created: expect.stringMatching(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/),
    });

    expect(await messages()).toEqual([
      { sid: created.sid, to: '+4915112345678', from: '+15005550006', body: 'Your order 42 has shipped', accountSid: ACCOUNT_A, receivedAt: expect.any(String) },
    ]);
  });

  it('lists an account\'s messages like Twilio (GET Messages.json?To=), newest first', async () => {
    await sendSms(ACCOUNT_A, { To: '+4915112345678', Body: 'one' });
    await sendSms(ACCOUNT_A, { To: '+4915100000000', Body: 'other number' });
    await sendSms(ACCOUNT_A, { To: '+4915112345678', Body: 'two' });
    await sendSms(ACCOUNT_B, { To: '+4915112345678', Body: 'other account' });
    const url = `${api}/2010-04-01/Accounts/${ACCOUNT_A}/Messages.json?To=${encodeURIComponent('+4915112345678')}&PageSize=50`;
    const listed = (await (await fetch(url)).json()) as { messages: { body: string; to: string; account_sid: string; date_created: string }[] };
    expect(listed.messages.map((m) => m.body)).toEqual(['two', 'one']);
    expect(listed.messages.every((m) => m.account_sid === ACCOUNT_A && !Number.isNaN(Date.parse(m.date_created)))).toBe(true);
  });

  it('needs no credentials, lists newest last and filters by recipient', async () => {
    for (const [to, body] of [
      ['+15550000001', 'first'],
      ['+15550000002', 'second'],
      ['+15550000001', 'third'],
    ]) {
      expect((await sendSms(ACCOUNT_B, { To: to!, From: '+15005550006', Body: body! })).status).toBe(201);
    }
    expect((await messages()).map((m) => m.body)).toEqual(['first', 'second', 'third']);
    expect((await messages(`?to=${encodeURIComponent('+15550000001')}`)).map((m) => m.body)).toEqual(['first', 'third']);
    expect((await messages('?to=+15550000002')).map((m) => m.body)).toEqual(['second']);
  });

  it.each([
    [{ From: '+15005550006', Body: 'hi' }, 21211],
    [{ To: '', From: '+15005550006', Body: 'hi' }, 21211],
    [{ To: '015112345678', From: '+15005550006', Body: 'hi' }, 21211],
    [{ To: '+0151123456', From: '+15005550006', Body: 'hi' }, 21211],
    [{ To: '+1 555 0100', From: '+15005550006', Body: 'hi' }, 21211],
    [{ To: '+12345', From: '+15005550006', Body: 'hi' }, 21211],
    [{ To: '+4915112345678', From: '+15005550006' }, 21602],
    [{ To: '+4915112345678', From: '+15005550006', Body: '' }, 21602],
    [{ To: '+4915112345678', From: '+15005550006', Body: '   ' }, 21602],
  ])('answers 400 for %j with Twilio code %i', async (fields, code) => {
    const response = await sendSms(ACCOUNT_A, fields as Record<string, string>);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ code, message: expect.any(String), more_info: expect.stringContaining(String(code)), status: 400 });
    expect(await messages()).toEqual([]);
  });

  it('fails every account with 500 in fail-500 mode, stores nothing, and recovers', async () => {
    expect(await (await control({ mode: 'fail-500' })).json()).toEqual({ mode: 'fail-500', accounts: null });
    for (const account of [ACCOUNT_A, ACCOUNT_B]) {
      const response = await sendSms(account, { To: '+4915112345678', Body: 'x' });
      expect(response.status).toBe(500);
      expect(await response.json()).toMatchObject({ code: 20500, status: 500 });
    }
    expect(await messages()).toEqual([]);

    await control({ mode: 'accept' });
    expect((await sendSms(ACCOUNT_A, { To: '+4915112345678', Body: 'x' })).status).toBe(201);
  });

  it('fails only the listed accounts: one sink plays two providers', async () => {
    await control({ mode: 'fail-429', accounts: [ACCOUNT_A] });
    expect(await (await fetch(`${api}/api/control`)).json()).toEqual({ mode: 'fail-429', accounts: [ACCOUNT_A] });

    const primary = await sendSms(ACCOUNT_A, { To: '+4915112345678', Body: 'via primary' });
    expect(primary.status).toBe(429);
    expect(primary.headers.get('retry-after')).toBe('1');
    expect(await primary.json()).toMatchObject({ code: 20429, status: 429 });

    const secondary = await sendSms(ACCOUNT_B, { To: '+4915112345678', Body: 'via secondary' });
    expect(secondary.status).toBe(201);
    expect((await messages()).map((m) => [m.accountSid, m.body])).toEqual([[ACCOUNT_B, 'via secondary']]);
  });

  it('never answers in timeout mode, so the client times out', async () => {
    await control({ mode: 'timeout', accounts: [ACCOUNT_A] });
    const started = Date.now();
    await expect(sendSms(ACCOUNT_A, { To: '+4915112345678', Body: 'x' }, { signal: AbortSignal.timeout(300) })).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect((await sendSms(ACCOUNT_B, { To: '+4915112345678', Body: 'other provider' })).status).toBe(201);
    expect((await messages()).map((m) => m.body)).toEqual(['other provider']);
  });

  it('validates control requests', async () => {
    expect((await control({ mode: 'explode' })).status).toBe(400);
    expect((await control({ mode: 'fail-500', accounts: 'AC1' })).status).toBe(400);
    expect((await control({ mode: 'fail-500', accounts: [''] })).status).toBe(400);
    expect((await fetch(`${api}/api/control`, { method: 'POST', body: 'mode=accept' })).status).toBe(400);
    expect(await (await fetch(`${api}/api/control`)).json()).toEqual({ mode: 'accept', accounts: null });
  });

  it('clears on DELETE, is live, serves a self-contained page, and answers 404/405', async () => {
    await sendSms(ACCOUNT_A, { To: '+4915112345678', Body: 'x' });
    expect((await fetch(`${api}/api/messages`, { method: 'DELETE' })).status).toBe(204);
    expect(await messages()).toEqual([]);

    expect(await (await fetch(`${api}/health/live`)).json()).toEqual({ status: 'ok' });
    const page = await fetch(`${api}/`);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('/api/messages');
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);

    expect((await fetch(`${api}/2010-04-01/Accounts/${ACCOUNT_A}/Messages.json`, { method: 'PUT' })).status).toBe(405);
    expect((await fetch(`${api}/2010-04-01/Accounts/${ACCOUNT_A}/Calls.json`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${api}/api/messages`, { method: 'POST' })).status).toBe(405);
  });
});

describe('sms-sink limits and lifecycle', () => {
  const post = (port: number, body: string, signal?: AbortSignal) =>
    fetch(`http://127.0.0.1:${port}/2010-04-01/Accounts/AC1/Messages.json`, { method: 'POST', body: new URLSearchParams({ To: '+4915112345678', Body: body }), signal });

  it('keeps at most maxMessages, dropping the oldest', async () => {
    const sink = await startSmsSink({ port: 0, maxMessages: 2 });
    try {
      for (const body of ['m1', 'm2', 'm3']) await post(sink.port, body);
      expect(sink.messages().map((m) => m.body)).toEqual(['m2', 'm3']);
    } finally {
      await sink.close();
    }
  });

  it('closes promptly with a request held by timeout mode, and idempotently', async () => {
    const sink = await startSmsSink({ port: 0 });
    await fetch(`http://127.0.0.1:${sink.port}/api/control`, { method: 'POST', body: JSON.stringify({ mode: 'timeout' }) });
    const held = post(sink.port, 'held').catch((error: unknown) => error);
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await Promise.all([sink.close(), sink.close()]);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await held).toMatchObject({ message: 'fetch failed' }); // the connection was dropped, not answered
    await expect(fetch(`http://127.0.0.1:${sink.port}/health/live`)).rejects.toThrow();
  });

  it('fails to start on a port in use', async () => {
    const first = await startSmsSink({ port: 0 });
    try {
      await expect(startSmsSink({ port: first.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await first.close();
    }
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('runs as a process: JSON log lines on stdout, exit 0 on %s', async (signal) => {
    const child = spawn(process.execPath, [resolve(process.cwd(), 'dist/main.js')], {
      env: { ...process.env, PORT: '0', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const lines: Record<string, unknown>[] = [];
    const listening = new Promise<Record<string, unknown>>((done, fail) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        const entry = JSON.parse(line) as Record<string, unknown>;
        lines.push(entry);
        if (typeof entry.url === 'string') done(entry);
      });
      child.once('close', () => fail(new Error('sms-sink exited before listening')));
    });
    const started = await listening.catch((error: unknown) => {
      child.kill('SIGKILL');
      throw error;
    });
    expect(started).toMatchObject({ level: 'info', service: 'sms-sink', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
    const url = started.url as string;
    const created = await fetch(`${url}/2010-04-01/Accounts/AC1/Messages.json`, { method: 'POST', body: new URLSearchParams({ To: '+4915112345678', Body: 'x' }) });
    expect(created.status).toBe(201);

    child.kill(signal);
    expect(await exited).toBe(0);
    clearTimeout(guard);
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['sms received', 'shutting down', 'sms-sink stopped']));
    for (const line of lines) expect(line).toMatchObject({ time: expect.any(String), level: expect.any(String), service: 'sms-sink' });
  });
});
