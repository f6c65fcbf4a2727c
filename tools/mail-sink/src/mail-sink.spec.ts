import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { createTransport } from 'nodemailer';
import { startMailSink, type MailSink, type StoredMail } from './index.js';

describe('mail-sink', () => {
  let sink: MailSink;
  let api: string;

  beforeAll(async () => {
    sink = await startMailSink({ smtpPort: 0, httpPort: 0 });
    api = `http://127.0.0.1:${sink.httpPort}`;
  });
  afterAll(() => sink.close());
  afterEach(async () => {
    await control('accept');
    await fetch(`${api}/api/messages`, { method: 'DELETE' });
  });

  const transport = () => createTransport({ host: '127.0.0.1', port: sink.smtpPort, secure: false, ignoreTLS: true });
  const messages = async (query = ''): Promise<StoredMail[]> => (await fetch(`${api}/api/messages${query}`)).json() as Promise<StoredMail[]>;
  const control = (mode: string) =>
    fetch(`${api}/api/control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode }) });
  const send = (to: string, subject = 'hello') => transport().sendMail({ from: 'shop@stockflow.test', to, subject, text: `${subject} body` });

  it('receives a mail over SMTP and returns it from /api/messages', async () => {
    const unsubscribe = '<mailto:unsubscribe@stockflow.test?subject=unsubscribe>, <https://stockflow.test/unsubscribe/9f2c1e0a7b3d4c5e8f6a1b2c3d4e5f60>';
    const info = await transport().sendMail({
      from: 'Stockflow <no-reply@stockflow.test>',
      to: 'Ada Lovelace <ada@example.com>',
      bcc: 'audit@example.com',
      subject: 'Your order 42 has shipped — ✓',
      text: 'Order 42 is on its way.',
      html: '<p>Order <b>42</b> is on its way.</p>',
      headers: { 'List-Unsubscribe': unsubscribe, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    });
    expect(info.rejected).toEqual([]);

    const [mail, ...rest] = await messages();
    expect(rest).toEqual([]);
    expect(mail).toEqual({
      id: expect.any(String),
      from: 'no-reply@stockflow.test',
      to: ['ada@example.com', 'audit@example.com'],
      subject: 'Your order 42 has shipped — ✓',
      text: 'Order 42 is on its way.',
      html: '<p>Order <b>42</b> is on its way.</p>',
      headers: { 'list-unsubscribe': unsubscribe, 'list-unsubscribe-post': 'List-Unsubscribe=One-Click', 'message-id': info.messageId },
      receivedAt: expect.any(String),
    });
    expect(Date.now() - Date.parse(mail!.receivedAt)).toBeLessThan(60_000);
  });

  it('lists newest last and filters by recipient, case-insensitively', async () => {
    await send('one@example.com', 'first');
    await send('two@example.com', 'second');
    await send('One@Example.com', 'third');
    expect((await messages()).map((m) => m.subject)).toEqual(['first', 'second', 'third']);
    expect((await messages('?to=ONE@example.com')).map((m) => m.subject)).toEqual(['first', 'third']);
    expect((await messages(`?to=${encodeURIComponent('nobody@example.com')}`))).toEqual([]);
  });

  it('clears the messages on DELETE', async () => {
    await send('one@example.com');
    const response = await fetch(`${api}/api/messages`, { method: 'DELETE' });
    expect(response.status).toBe(204);
    expect(await messages()).toEqual([]);
  });

  it('answers 451 in reject-temporary mode and delivers again once accepting', async () => {
    expect((await control('reject-temporary')).status).toBe(200);
    expect(await (await fetch(`${api}/api/control`)).json()).toEqual({ mode: 'reject-temporary' });

    const failure = await send('ada@example.com', 'while down').catch((error: unknown) => error);
    expect(failure).toMatchObject({ responseCode: 451 });
    expect(await messages()).toEqual([]);

    await control('accept');
    await send('ada@example.com', 'after recovery');
    expect((await messages()).map((m) => m.subject)).toEqual(['after recovery']);
  });

  it('answers 550 in reject-permanent mode', async () => {
    await control('reject-permanent');
    await expect(send('ada@example.com')).rejects.toMatchObject({ responseCode: 550 });
    expect(await messages()).toEqual([]);
  });

  it('refuses mail over 10 MiB and keeps accepting after it', async () => {
    const big = 'x'.repeat(76) + '\r\n';
    const text = big.repeat(Math.ceil((10 * 1024 * 1024) / big.length) + 10);
    await expect(transport().sendMail({ from: 'a@stockflow.test', to: 'b@example.com', subject: 'big', text })).rejects.toMatchObject({
      responseCode: 552,
    });
    await send('b@example.com', 'small');
    expect((await messages()).map((m) => m.subject)).toEqual(['small']);
  });

  it('rejects an unknown mode, unknown routes and wrong methods', async () => {
    expect((await control('bounce')).status).toBe(400);
    expect((await fetch(`${api}/api/control`, { method: 'POST', body: '{' })).status).toBe(400);
    expect((await fetch(`${api}/nope`)).status).toBe(404);
    expect((await fetch(`${api}/api/messages`, { method: 'PUT' })).status).toBe(405);
    expect(await (await fetch(`${api}/api/control`)).json()).toEqual({ mode: 'accept' });
  });

  it('is live and serves a self-contained page', async () => {
    const live = await fetch(`${api}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });

    const page = await fetch(`${api}/`);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('/api/messages');
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
  });
});

describe('mail-sink limits and lifecycle', () => {
  it('keeps at most maxMessages, dropping the oldest', async () => {
    const sink = await startMailSink({ smtpPort: 0, httpPort: 0, maxMessages: 3 });
    try {
      const transport = createTransport({ host: '127.0.0.1', port: sink.smtpPort, ignoreTLS: true });
      for (const n of [1, 2, 3, 4, 5]) await transport.sendMail({ from: 'a@stockflow.test', to: 'b@example.com', subject: `m${n}`, text: 'x' });
      const listed = (await (await fetch(`http://127.0.0.1:${sink.httpPort}/api/messages`)).json()) as StoredMail[];
      expect(listed.map((m) => m.subject)).toEqual(['m3', 'm4', 'm5']);
    } finally {
      await sink.close();
    }
  });

  it('fails to start on a port in use and frees what it had bound', async () => {
    const first = await startMailSink({ smtpPort: 0, httpPort: 0 });
    try {
      await expect(startMailSink({ smtpPort: 0, httpPort: first.httpPort })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await first.close();
    }
  });

  it('closes idempotently and stops listening', async () => {
    const sink = await startMailSink({ smtpPort: 0, httpPort: 0 });
    await Promise.all([sink.close(), sink.close()]);
    await expect(fetch(`http://127.0.0.1:${sink.httpPort}/health/live`)).rejects.toThrow();
  });

  it('runs as a process: JSON log lines on stdout, exit 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [resolve(process.cwd(), 'dist/main.js')], {
      env: { ...process.env, SMTP_PORT: '0', HTTP_PORT: '0', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const lines: Record<string, unknown>[] = [];
    const reader = createInterface({ input: child.stdout });
    const listening = new Promise<Record<string, unknown>>((done, fail) => {
      reader.on('line', (line) => {
        const entry = JSON.parse(line) as Record<string, unknown>;
        lines.push(entry);
        if (typeof entry.http === 'string') done(entry);
      });
      child.once('close', () => fail(new Error('mail-sink exited before listening')));
    });
    const started = await listening.catch((error: unknown) => {
      child.kill('SIGKILL');
      throw error;
    });
    expect(started).toMatchObject({ level: 'info', service: 'mail-sink', smtp: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
    expect((await fetch(`${started.http as string}/health/live`)).status).toBe(200);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    clearTimeout(guard);
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['shutting down', 'mail-sink stopped']));
    for (const line of lines) expect(line).toMatchObject({ time: expect.any(String), level: expect.any(String), service: 'mail-sink' });
  });

  it('exits 1 with a JSON error line on a bad port setting', async () => {
    const child = spawn(process.execPath, [resolve(process.cwd(), 'dist/main.js')], {
      env: { ...process.env, SMTP_PORT: 'smtp', HTTP_PORT: '0' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.once('close', (c) => done(c)));
    expect(code).toBe(1);
    expect(JSON.parse(output.trim())).toMatchObject({ level: 'error', service: 'mail-sink', err: expect.stringContaining('SMTP_PORT') });
  });
});
