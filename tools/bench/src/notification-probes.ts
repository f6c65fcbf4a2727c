// Restock → notification, per channel, while the system is under load: probe SKUs with no stock,
// each with one back-in-stock subscriber who wants email, SMS and web; a restock from 0 notifies
// them. Web: time to the event on the customer's notification SSE stream. Email and SMS: the mail
// and SMS sinks offer no stream, so they are read (GET /api/messages) after the phase and the
// `receivedAt` they stamped (same machine clock) is used; polling does not add to the figures.
import { confirmContacts, isConfirmationMail, isConfirmationSms } from '@stockflow/sink-kit';
import { asCustomer, OPERATOR, type BenchCallers } from './bench-callers.js';
import { call, must, pool, send, sleep } from './http-client.js';
import { openSse, type SseStream } from './sse.js';

export interface ProbeLatencies {
  readonly web: number[];
  readonly email: number[];
  readonly sms: number[];
  /** Probes restocked, and how many notifications never arrived, per channel. */
  readonly restocked: number;
  readonly missing: { web: number; email: number; sms: number };
}

interface Probe {
  readonly index: number;
  readonly sku: string;
  readonly email: string;
  readonly phone: string;
  startedAt: number | null;
  webAt: number | null;
  stream: SseStream | null;
}

const EMAIL_DOMAIN = 'probe.bench.example';

export class NotificationProbes {
  private probes: Probe[] = [];
  private next = 0;
  private total = 0;
  private operator: Record<string, string> = {};

  constructor(
    private readonly url: (name: string) => string,
    private readonly callers: BenchCallers,
  ) {}

  /** Registers `count` probe SKUs and subscribers and opens their notification streams. */
  async prepare(count: number): Promise<void> {
    const first = this.total;
    this.total += count;
    this.next = 0;
    this.probes = Array.from({ length: count }, (_, i) => {
      const index = first + i;
      return { index, sku: `PROBE-${index}`, email: `p${index}@${EMAIL_DOMAIN}`, phone: `+4917${String(100000000 + index)}`, startedAt: null, webAt: null, stream: null };
    });
    const operator = await this.callers.headers(OPERATOR);
    this.operator = operator;
    await pool(this.probes, 8, async (p) => {
      await must('POST', `${this.url('inventory')}/skus`, { sku: p.sku, name: `Probe ${p.index}`, lowStockThreshold: 0 }, 201, operator);
      const customer = `probe-${p.index}`;
      const asThem = await this.callers.headers(asCustomer(customer));
      const preferences = { email: p.email, phone: p.phone, channels: { email: true, sms: true, web: true } };
      await must('PUT', `${this.url('notifications')}/customers/${customer}/preferences`, preferences, 200, asThem);
      await confirmContacts({ notificationsUrl: this.url('notifications'), mailSinkUrl: this.url('mail-sink'), smsSinkUrl: this.url('sms-sink') }, customer, preferences, asThem);
      await must('POST', `${this.url('notifications')}/subscriptions`, { customerId: customer, sku: p.sku }, 201, asThem);
      p.stream = await openSse(
        `${this.url('notifications')}/customers/${customer}/notifications/stream`,
        (e) => {
          if (e.event === 'notification' && p.webAt === null) p.webAt = e.at;
        },
        asThem,
      );
    });
  }

  /** Restocks the next probe SKU from 0 (false when all are used). */
  restockNext(): boolean {
    const p = this.probes[this.next];
    if (!p) return false;
    this.next++;
    p.startedAt = Date.now();
    void send('POST', `${this.url('inventory')}/skus/${p.sku}/receipts`, { quantity: 3 }, this.operator).catch(() => (p.startedAt = null));
    return true;
  }

  /** Waits (up to `timeoutMs`) for every channel of every restocked probe, then closes the streams. */
  async collect(timeoutMs: number): Promise<ProbeLatencies> {
    const restocked = this.probes.filter((p) => p.startedAt !== null);
    const mailAt = new Map<string, number>();
    const smsAt = new Map<string, number>();
    const until = Date.now() + timeoutMs;
    for (;;) {
      const mails = ((await call('GET', `${this.url('mail-sink')}/api/messages`)).body as { to: string[]; subject: string; receivedAt: string }[]).filter((m) => !isConfirmationMail(m));
      for (const m of mails) if (m.to[0]?.endsWith(`@${EMAIL_DOMAIN}`) && !mailAt.has(m.to[0])) mailAt.set(m.to[0], Date.parse(m.receivedAt));
      const texts = ((await call('GET', `${this.url('sms-sink')}/api/messages`)).body as { to: string; body: string; receivedAt: string }[]).filter((t) => !isConfirmationSms(t));
      for (const t of texts) if (!smsAt.has(t.to)) smsAt.set(t.to, Date.parse(t.receivedAt));
      const complete = restocked.every((p) => p.webAt !== null && mailAt.has(p.email) && smsAt.has(p.phone));
      if (complete || Date.now() > until) break;
      await sleep(250);
    }
    for (const p of this.probes) p.stream?.close();
    const since = (p: Probe, at: number | null | undefined): number[] => (at == null ? [] : [at - p.startedAt!]);
    const web = restocked.flatMap((p) => since(p, p.webAt));
    const email = restocked.flatMap((p) => since(p, mailAt.get(p.email)));
    const sms = restocked.flatMap((p) => since(p, smsAt.get(p.phone)));
    const n = restocked.length;
    return { web, email, sms, restocked: n, missing: { web: n - web.length, email: n - email.length, sms: n - sms.length } };
  }
}
