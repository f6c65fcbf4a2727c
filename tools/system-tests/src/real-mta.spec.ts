// The notifier on a real MTA: Debian's Exim, started by the test with STARTTLS (a certificate from a
// CA the test makes) and AUTH required. Customers confirm their addresses through the mail sink first;
// then the notifier is pointed at Exim, as an operator would point it at a relay or a hosted service.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestMta, type TestMta } from './mta/test-mta.js';
import { preferences, receive, registerSku, subscribe } from './notifications-support.js';
import { eventually, listAll, startTestSystem, type TestSystem } from './test-system.js';

interface Delivery {
  deliveryId: string;
  channel: string;
  status: string;
  attempts: number;
  providerMessageId: string | null;
  lastError: string | null;
  log: { status: string; attempt: number; detail: string | null }[];
}

const N = 40;

const deliveries = (sys: TestSystem, sku: string): Promise<Delivery[]> => listAll<Delivery>(`${sys.url('notifier')}/deliveries?sku=${sku}&channel=email`);

/** `n` customers who want back-in-stock e-mail for `sku`, their addresses confirmed through the mail sink. */
async function subscribers(sys: TestSystem, sku: string, n: number): Promise<void> {
  await registerSku(sys, sku, `Real MTA ${sku}`);
  const ids = Array.from({ length: n }, (_, i) => `${sku.toLowerCase()}-${i}`);
  for (let i = 0; i < ids.length; i += 10) {
    await Promise.all(
      ids.slice(i, i + 10).map(async (id) => {
        await preferences(sys, id, { email: `${id}@mta.example`, channels: { email: true, sms: false, web: false } });
        await subscribe(sys, id, sku);
      }),
    );
  }
}

describe('the notifier on a real MTA (Exim: STARTTLS with a private CA, AUTH required)', () => {
  let sys: TestSystem;
  let mta: TestMta;
  /** The notifier's settings for this MTA, as an operator writes them. */
  let smtp: Record<string, string>;

  beforeAll(async () => {
    mta = await startTestMta();
    smtp = {
      SMTP_HOST: mta.host,
      SMTP_PORT: String(mta.port),
      SMTP_TLS: 'starttls-required',
      SMTP_TLS_CA_FILE: mta.caFile,
      SMTP_USER: mta.user,
      SMTP_PASSWORD_FILE: mta.passwordFile,
    };
    // Few attempts, short backoff: a failure ends as a dead delivery within seconds.
    sys = await startTestSystem({ env: { notifier: { EMAIL_MAX_ATTEMPTS: '3', RETRY_BASE_MS: '200', RETRY_MAX_MS: '1000', EMAIL_CONCURRENCY: '4' } } });
    // While the notifier still mails the sink, where the confirmation codes can be read.
    await subscribers(sys, 'MTA-ONCE', N);
    await subscribers(sys, 'MTA-CRASH', N);
    await subscribers(sys, 'MTA-PASS', 2);
    await subscribers(sys, 'MTA-CERT', 2);
  }, 180_000);
  afterAll(async () => {
    await sys?.stop();
    await mta?.stop();
  });

  /** The e-mail deliveries of `sku` once all are sent, and how often the MTA accepted each one's Message-ID. */
  async function acceptedPerDelivery(sku: string): Promise<{ sent: Delivery[]; perMessageId: Map<string, number> }> {
    const sent = await eventually(() => deliveries(sys, sku), (d) => d.length === N && d.every((x) => x.status === 'sent'), 60_000, `every ${sku} e-mail sent`);
    await new Promise((r) => setTimeout(r, 1_000));
    const expected = new Set(sent.map((d) => `${d.deliveryId}@notifier.stockflow`));
    const accepted = mta.accepted().filter((a) => a.messageId !== null && expected.has(a.messageId));
    expect(accepted.every((a) => a.tls !== null && a.authenticated === `plain:${mta.user}`)).toBe(true);
    expect(sent.every((d) => d.providerMessageId === `<${d.deliveryId}@notifier.stockflow>`)).toBe(true);
    const perMessageId = new Map<string, number>();
    for (const a of accepted) perMessageId.set(a.messageId!, (perMessageId.get(a.messageId!) ?? 0) + 1);
    return { sent, perMessageId };
  }

  it(`${N} subscribers: ${N} messages accepted exactly once (the MTA's own log), over TLS, authenticated, each with its delivery's Message-ID`, async () => {
    await sys.system.restart('notifier', smtp);
    await receive(sys, 'MTA-ONCE', N);
    const { perMessageId } = await acceptedPerDelivery('MTA-ONCE');
    expect(perMessageId.size).toBe(N);
    expect([...perMessageId.values()].every((n) => n === 1)).toBe(true);
  }, 120_000);

  it('the notifier killed mid-fan-out: every delivery reaches the MTA; a resend (only of a send in flight at the kill) keeps its Message-ID', async () => {
    await receive(sys, 'MTA-CRASH', N);
    await eventually(() => mta.accepted().length, (n) => n >= N + 10, 30_000, 'the fan-out under way');
    await sys.system.kill('notifier', 'SIGKILL');
    await sys.system.restart('notifier');
    const { sent, perMessageId } = await acceptedPerDelivery('MTA-CRASH');
    expect(perMessageId.size).toBe(N);
    const resent = [...perMessageId.values()].filter((n) => n > 1).length;
    const interrupted = sent.filter((d) => d.log.some((l) => l.detail?.startsWith('interrupted'))).length;
    expect(resent).toBeLessThanOrEqual(interrupted);
    console.log(`real MTA: ${N} deliveries, notifier killed mid-fan-out; ${resent} resent with the same Message-ID (${interrupted} sends were in flight)`);
  }, 120_000);

  it('a wrong password ends as a failed delivery with the reason, retried, and visible on the deliveries view; nothing is accepted, nothing crashes', async () => {
    const before = mta.authFailures();
    await sys.system.restart('notifier', { ...smtp, SMTP_PASSWORD_FILE: '', SMTP_PASSWORD: 'not-the-password' });
    await receive(sys, 'MTA-PASS', 2);
    const dead = await eventually(() => deliveries(sys, 'MTA-PASS'), (d) => d.length === 2 && d.every((x) => x.status === 'dead'), 60_000, 'both deliveries dead');
    for (const d of dead) {
      expect(d.attempts).toBe(3);
      expect(d.lastError).toContain('EAUTH 535');
      expect(d.log.filter((l) => l.status === 'failed').length).toBeGreaterThanOrEqual(2);
    }
    expect(mta.authFailures()).toBeGreaterThanOrEqual(before + 3);
    const ids = new Set(dead.map((d) => `${d.deliveryId}@notifier.stockflow`));
    expect(mta.accepted().filter((a) => a.messageId !== null && ids.has(a.messageId))).toEqual([]);
    expect((await fetch(`${sys.url('notifier')}/health/live`)).status).toBe(200);
  }, 120_000);

  it('an untrusted certificate (no private CA configured) ends as a failed delivery with the reason, retried; no password is sent', async () => {
    const authBefore = mta.authFailures();
    await sys.system.restart('notifier', { ...smtp, SMTP_TLS_CA_FILE: '' });
    await receive(sys, 'MTA-CERT', 2);
    const dead = await eventually(() => deliveries(sys, 'MTA-CERT'), (d) => d.length === 2 && d.every((x) => x.status === 'dead'), 60_000, 'both deliveries dead');
    for (const d of dead) {
      expect(d.attempts).toBe(3);
      expect(d.lastError).toMatch(/certificate/);
    }
    // The handshake failed before AUTH: the MTA never saw the credentials.
    expect(mta.authFailures()).toBe(authBefore);
    expect(mta.tlsFailures()).toBeGreaterThanOrEqual(1);
    expect((await fetch(`${sys.url('notifier')}/health/live`)).status).toBe(200);
  }, 120_000);
});
