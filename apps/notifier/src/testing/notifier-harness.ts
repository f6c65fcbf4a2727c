// Test support (not used by main.ts): the notifier against the real PostgreSQL and NATS, with the real
// notifications service, mail sink and SMS sink as child processes (built entry points, started by
// the system launcher), a stand-in for inventory's GET /skus/:sku, and inventory's events published
// straight to JetStream. Everything has its own schema, namespace and ports; `stop()` removes them.
// The notifier itself starts through `startNotifierService`, the function its main.ts runs.
import { jetstream } from '@nats-io/jetstream';
import { connectNats, type NatsConnection } from '@stockflow/messaging';
import type { RunningService } from '@stockflow/platform';
import { createPool } from '@stockflow/postgres';
import {
  fetchJson,
  IN_PROCESS,
  newIsolation,
  publishAsRelay,
  removeIsolation,
  setMailSinkMode,
  setSmsSinkMode,
  startTestProcesses,
  testEnvelope,
  withFreePorts,
  type MailMode,
  type StoredMail,
  type StoredSms,
  type SmsMode,
  type TestProcesses,
  TEST_RATE_LIMITS,
  confirmContacts,
  notificationMails,
  notificationSms,
  type ContactPreferences,
} from '@stockflow/testing';
import { createServer, type Server } from 'node:http';
import { NotifierConfig, type SmsProviderConfig } from '../notifier-config.js';
import { startNotifierService } from '../notifier-service.js';

export interface NotifierHarness {
  readonly schema: string;
  readonly namespace: string;
  readonly notificationsUrl: string;
  /** The development sinks' HTTP APIs (every message, confirmation codes included). */
  readonly mailSinkUrl: string;
  readonly smsSinkUrl: string;
  readonly providers: SmsProviderConfig[];
  readonly nats: NatsConnection;
  /** The in-process notifier (null after `stopNotifier`, or before `startNotifier`). */
  notifier: RunningService | null;
  /** Stock figures the stand-in for inventory's GET /skus/:sku answers. */
  readonly stock: Map<string, number>;
  startNotifier(overrides?: Partial<NotifierConfig>): Promise<RunningService>;
  stopNotifier(): Promise<void>;
  /** The notifier as a process of its own (`apps/notifier/dist/main.js`), with `env` over the harness's settings (crash tests). */
  startNotifierProcess(env?: Record<string, string>): Promise<TestProcesses>;
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Sets a customer's preferences and confirms the email address and phone number they turn on (ADR 0028; a notifier must run). */
  preferences(customerId: string, preferences: Record<string, unknown>): Promise<void>;
  /** Publishes an inventory event on JetStream as inventory's relay would. */
  publish(type: string, data: Record<string, unknown>, options?: { occurredAt?: Date; streamPosition?: number }): Promise<string>;
  /** StockLevelChanged + BackInStock for a restock from 0 to `available`; returns the BackInStock event id. */
  restock(sku: string, available: number, options?: { occurredAt?: Date }): Promise<string>;
  /** Notification mails the sink received (confirmation codes left out). */
  mails(to?: string): Promise<StoredMail[]>;
  /** Notification text messages the sink received (confirmation codes left out). */
  sms(to?: string): Promise<StoredSms[]>;
  mailMode(mode: MailMode): Promise<void>;
  smsMode(mode: SmsMode, accounts?: string[]): Promise<void>;
  query<R extends Record<string, unknown>>(sql: string, values?: unknown[]): Promise<R[]>;
  stop(): Promise<void>;
}

/** Serves inventory's GET /skus/:sku from `stock`, so the notifier's stock check has something to ask. */
async function startInventoryStandIn(stock: Map<string, number>): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const sku = decodeURIComponent((req.url ?? '').replace(/^\/skus\//, ''));
    const available = stock.get(sku);
    if (available === undefined) {
      res.writeHead(404, { 'content-type': 'application/problem+json' }).end('{"status":404}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sku, name: sku, onHand: available, reserved: 0, available }));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

export async function startNotifierHarness(): Promise<NotifierHarness> {
  const isolation = newIsolation('t_notifier');
  const { schema, namespace } = isolation;
  const pool = createPool({ max: 4 });
  const nats = await connectNats({ name: 'notifier-harness' });
  const stock = new Map<string, number>();
  const inventory = await startInventoryStandIn(stock);
  let children: TestProcesses | undefined;
  try {
    const started = await withFreePorts(4, async ([notificationsPort, smtpPort, mailHttpPort, smsPort]) => ({
      smtpPort: smtpPort!,
      processes: await startTestProcesses([
        { name: 'notifications', entry: 'apps/notifications/dist/main.js', port: notificationsPort!, env: { DB_SCHEMA: schema, NATS_NAMESPACE: namespace } },
        { name: 'mail-sink', entry: 'tools/mail-sink/dist/main.js', port: mailHttpPort!, env: { SMTP_PORT: String(smtpPort), HTTP_PORT: String(mailHttpPort) } },
        { name: 'sms-sink', entry: 'tools/sms-sink/dist/main.js', port: smsPort!, env: {} },
      ]),
    }));
    children = started.processes;
    const processes = started.processes;
    const notificationsUrl = processes.url('notifications');
    const mailSinkUrl = processes.url('mail-sink');
    const smsSinkUrl = processes.url('sms-sink');
    const providers: SmsProviderConfig[] = [
      { name: 'primary', baseUrl: smsSinkUrl, accountSid: `ACprimary${namespace}`, authToken: 'token-a', from: '+15005550006', ratePerSecond: 500 },
      { name: 'secondary', baseUrl: smsSinkUrl, accountSid: `ACsecondary${namespace}`, authToken: 'token-b', from: '+15005550007', ratePerSecond: 500 },
    ];
    const settings = {
      DB_SCHEMA: schema,
      NATS_NAMESPACE: namespace,
      SMTP_PORT: started.smtpPort,
      SMS_PROVIDERS: JSON.stringify(providers),
      INVENTORY_URL: inventory.url,
      UNSUBSCRIBE_BASE_URL: notificationsUrl,
      LINK_BASE_URL: 'https://shop.example/products',
      RETRY_BASE_MS: 200,
      POLL_MS: 50,
    };
    const js = jetstream(nats);
    const positions = new Map<string, number>();
    const notifierProcesses: TestProcesses[] = [];

    const harness: NotifierHarness = {
      schema,
      namespace,
      notificationsUrl,
      mailSinkUrl,
      smsSinkUrl,
      providers,
      nats,
      notifier: null,
      stock,
      async startNotifier(overrides = {}) {
        const config = Object.assign(new NotifierConfig(), { ...settings, STOCKFLOW_ENV: 'development' as const, LOG_LEVEL: 'warn' as const, ...TEST_RATE_LIMITS, ...overrides });
        harness.notifier = await startNotifierService(config, IN_PROCESS);
        return harness.notifier;
      },
      async stopNotifier() {
        await harness.notifier?.stop();
        harness.notifier = null;
      },
      async startNotifierProcess(env = {}) {
        const asEnv = Object.fromEntries(Object.entries(settings).map(([name, value]) => [name, String(value)]));
        const process = await withFreePorts(1, ([port]) => startTestProcesses([{ name: 'notifier', entry: 'apps/notifier/dist/main.js', port: port!, env: { ...asEnv, ...env } }]));
        notifierProcesses.push(process);
        return process;
      },
      api: <T>(method: string, path: string, body?: unknown) => fetchJson<T>(method, `${notificationsUrl}${path}`, body),
      async preferences(customerId, preferences) {
        const answer = await fetchJson('PUT', `${notificationsUrl}/customers/${customerId}/preferences`, preferences);
        if (answer.status !== 200) throw new Error(`PUT preferences of ${customerId}: ${answer.status} ${JSON.stringify(answer.body)}`);
        await confirmContacts({ notificationsUrl, mailSinkUrl, smsSinkUrl }, customerId, preferences as ContactPreferences);
      },
      async publish(type, data, options = {}) {
        const sku = String(data.sku);
        const position = options.streamPosition ?? (positions.get(sku) ?? 0) + 1;
        positions.set(sku, position);
        const envelope = testEnvelope(type, data, `sku-${sku}`, {
          streamPosition: position,
          globalPosition: position,
          occurredAt: (options.occurredAt ?? new Date()).toISOString(),
        });
        await publishAsRelay(js, namespace, 'inventory', 'sku', envelope);
        return envelope.eventId;
      },
      async restock(sku, available, options = {}) {
        stock.set(sku, available);
        await harness.publish('StockLevelChanged', { sku, onHand: available, reserved: 0, available }, options);
        return harness.publish('BackInStock', { sku, available }, options);
      },
      mails: (to) => notificationMails(mailSinkUrl, to),
      sms: (to) => notificationSms(smsSinkUrl, to),
      mailMode: (mode) => setMailSinkMode(mailSinkUrl, mode),
      smsMode: (mode, accounts) => setSmsSinkMode(smsSinkUrl, mode, accounts),
      async query(sql, values = []) {
        const { rows } = await pool.query(sql.replaceAll('$schema', `"${schema}"`), values);
        return rows;
      },
      async stop() {
        await harness.stopNotifier().catch(() => undefined);
        await Promise.all(notifierProcesses.map((p) => p.stop()));
        await processes.stop();
        await removeIsolation(isolation, { pool, nats });
        await nats.close();
        await new Promise((done) => inventory.server.close(done));
        await pool.end();
      },
    };
    return harness;
  } catch (error) {
    await children?.stop();
    await removeIsolation(isolation, { pool, nats }).catch(() => undefined);
    await nats.close();
    inventory.server.close();
    await pool.end();
    throw error;
  }
}
