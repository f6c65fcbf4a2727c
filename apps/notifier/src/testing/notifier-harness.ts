// Test support (not used by main.ts): the notifier against the real PostgreSQL and NATS, with the real
// notifications service, mail sink and SMS sink as child processes (built entry points), a stand-in for
// inventory's GET /skus/:sku, and inventory's events published straight to JetStream. Everything has
// its own schema, namespace and ports; `stop()` removes them.
import { jetstream } from '@nats-io/jetstream';
import { connectNats, type NatsConnection } from '@stockflow/messaging';
import { deleteNamespaceStreams, uniqueNamespace } from '@stockflow/messaging/testing';
import { runEventSourcedService, type RunningService } from '@stockflow/platform';
import { createPool, dropSchema, uniqueSchemaName } from '@stockflow/postgres';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import { NotifierConfig, type SmsProviderConfig } from '../notifier-config.js';
import { NotifierModule, notifierOpenApi } from '../notifier.module.js';
import { CONSUMER } from '../planning/stock-events.handler.js';

export const workspaceRoot = resolve(process.cwd(), '../..');

export interface Child {
  readonly name: string;
  readonly url: string;
  readonly process: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

function randomPort(): number {
  return 20000 + Math.floor(Math.random() * 25000);
}

/** Spawns a built entry point and waits until `url/health/live` answers. */
export async function spawnProcess(name: string, entry: string, env: Record<string, string>, url: string): Promise<Child> {
  const child = spawn(process.execPath, [resolve(workspaceRoot, entry)], { cwd: workspaceRoot, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  for (let i = 0; ; i++) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited while starting:\n${output}`);
    const live = await fetch(`${url}/health/live`).then((r) => r.ok, () => false);
    if (live) break;
    if (i > 600) throw new Error(`${name} not live after 60 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name,
    url,
    process: child,
    output: () => output,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

export interface SentMail {
  id: string;
  to: string[];
  subject: string;
  text: string | null;
  html: string | null;
  headers: Partial<Record<'list-unsubscribe' | 'list-unsubscribe-post' | 'message-id', string>>;
  receivedAt: string;
}

export interface SentSms {
  sid: string;
  to: string;
  from: string | null;
  body: string;
  accountSid: string;
  receivedAt: string;
}

export interface NotifierHarness {
  readonly schema: string;
  readonly namespace: string;
  readonly notifications: Child;
  readonly mailSink: Child;
  readonly smsSink: Child;
  readonly providers: SmsProviderConfig[];
  readonly nats: NatsConnection;
  /** The in-process notifier (null after `stopNotifier`, or when started as a process). */
  notifier: RunningService | null;
  /** The notifier's environment, to start it as a process (crash tests). */
  readonly notifierEnv: Record<string, string>;
  /** Stock figures the stand-in for inventory's GET /skus/:sku answers. */
  readonly stock: Map<string, number>;
  startNotifier(overrides?: Partial<NotifierConfig>): Promise<RunningService>;
  stopNotifier(): Promise<void>;
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Publishes an inventory event on JetStream as inventory's relay would. */
  publish(type: string, data: Record<string, unknown>, options?: { occurredAt?: Date; streamPosition?: number }): Promise<string>;
  /** StockLevelChanged + BackInStock for a restock from 0 to `available`; returns the BackInStock event id. */
  restock(sku: string, available: number, options?: { occurredAt?: Date }): Promise<string>;
  mails(to?: string): Promise<SentMail[]>;
  sms(to?: string): Promise<SentSms[]>;
  mailMode(mode: 'accept' | 'reject-temporary' | 'reject-permanent'): Promise<void>;
  smsMode(mode: 'accept' | 'fail-500' | 'fail-429' | 'timeout', accounts?: string[]): Promise<void>;
  query<R extends Record<string, unknown>>(sql: string, values?: unknown[]): Promise<R[]>;
  stop(): Promise<void>;
}

export async function startNotifierHarness(): Promise<NotifierHarness> {
  const schema = uniqueSchemaName('t_notifier');
  const namespace = uniqueNamespace();
  const pool = createPool({ max: 4 });
  const nats = await connectNats({ name: 'notifier-harness' });
  const children: Child[] = [];
  const stock = new Map<string, number>();
  const inventory: Server = createServer((req, res) => {
    const sku = decodeURIComponent((req.url ?? '').replace(/^\/skus\//, ''));
    const available = stock.get(sku);
    if (available === undefined) {
      res.writeHead(404, { 'content-type': 'application/problem+json' }).end('{"status":404}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sku, name: sku, onHand: available, reserved: 0, available }));
  });
  await new Promise<void>((done) => inventory.listen(0, '127.0.0.1', done));
  const inventoryUrl = `http://127.0.0.1:${(inventory.address() as { port: number }).port}`;

  const notificationsPort = randomPort();
  const smtpPort = randomPort();
  const mailHttpPort = randomPort();
  const smsPort = randomPort();
  try {
    const [notifications, mailSink, smsSink] = await Promise.all([
      spawnProcess('notifications', 'apps/notifications/dist/main.js', { PORT: String(notificationsPort), DB_SCHEMA: schema, NATS_NAMESPACE: namespace }, `http://127.0.0.1:${notificationsPort}`),
      spawnProcess('mail-sink', 'tools/mail-sink/dist/main.js', { SMTP_PORT: String(smtpPort), HTTP_PORT: String(mailHttpPort) }, `http://127.0.0.1:${mailHttpPort}`),
      spawnProcess('sms-sink', 'tools/sms-sink/dist/main.js', { PORT: String(smsPort) }, `http://127.0.0.1:${smsPort}`),
    ]);
    children.push(notifications, mailSink, smsSink);
    const providers: SmsProviderConfig[] = [
      { name: 'primary', baseUrl: smsSink.url, accountSid: `ACprimary${namespace}`, authToken: 'token-a', from: '+15005550006', ratePerSecond: 500 },
      { name: 'secondary', baseUrl: smsSink.url, accountSid: `ACsecondary${namespace}`, authToken: 'token-b', from: '+15005550007', ratePerSecond: 500 },
    ];
    const notifierEnv: Record<string, string> = {
      DB_SCHEMA: schema,
      NATS_NAMESPACE: namespace,
      SMTP_PORT: String(smtpPort),
      SMS_PROVIDERS: JSON.stringify(providers),
      INVENTORY_URL: inventoryUrl,
      UNSUBSCRIBE_BASE_URL: notifications.url,
      LINK_BASE_URL: 'https://shop.example/products',
      RETRY_BASE_MS: '200',
      POLL_MS: '50',
    };
    const post = async (url: string, body: unknown): Promise<void> => {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
    };
    const js = jetstream(nats);
    const positions = new Map<string, number>();

    const harness: NotifierHarness = {
      schema,
      namespace,
      notifications,
      mailSink,
      smsSink,
      providers,
      nats,
      notifier: null,
      notifierEnv,
      stock,
      async startNotifier(overrides = {}) {
        const config = Object.assign(new NotifierConfig(), {
          DB_SCHEMA: schema,
          NATS_NAMESPACE: namespace,
          LOG_LEVEL: 'warn' as const,
          SMTP_PORT: smtpPort,
          SMS_PROVIDERS: JSON.stringify(providers),
          INVENTORY_URL: inventoryUrl,
          UNSUBSCRIBE_BASE_URL: notifications.url,
          LINK_BASE_URL: 'https://shop.example/products',
          RETRY_BASE_MS: 200,
          POLL_MS: 50,
          ...overrides,
        });
        for (let attempt = 1; ; attempt++) {
          try {
            harness.notifier = await runEventSourcedService({
              name: 'notifier',
              config,
              module: () => NotifierModule,
              openApi: notifierOpenApi,
              consumers: [{ sourceContext: 'inventory', aggregate: 'sku', durable: CONSUMER, ackWaitMs: 10_000 }],
              port: randomPort(),
              handleSignals: false,
            });
            return harness.notifier;
          } catch (error) {
            if (attempt >= 5 || (error as { code?: string }).code !== 'EADDRINUSE') throw error;
          }
        }
      },
      async stopNotifier() {
        await harness.notifier?.stop();
        harness.notifier = null;
      },
      async api<T>(method: string, path: string, body?: unknown) {
        const response = await fetch(`${notifications.url}${path}`, {
          method,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await response.text();
        return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
      },
      async publish(type, data, options = {}) {
        const sku = String(data.sku);
        const position = options.streamPosition ?? (positions.get(sku) ?? 0) + 1;
        positions.set(sku, position);
        const eventId = randomUUID();
        await js.publish(
          `${namespace}.inventory.sku.${type}`,
          JSON.stringify({
            eventId,
            type,
            schemaVersion: type === 'SkuRegistered' ? 2 : 1,
            streamId: `sku-${sku}`,
            streamPosition: position,
            globalPosition: position,
            occurredAt: (options.occurredAt ?? new Date()).toISOString(),
            correlationId: randomUUID(),
            causationId: null,
            traceparent: null,
            data,
          }),
          { msgID: eventId },
        );
        return eventId;
      },
      async restock(sku, available, options = {}) {
        stock.set(sku, available);
        await harness.publish('StockLevelChanged', { sku, onHand: available, reserved: 0, available }, options);
        return harness.publish('BackInStock', { sku, available }, options);
      },
      async mails(to) {
        const response = await fetch(`${mailSink.url}/api/messages${to ? `?to=${encodeURIComponent(to)}` : ''}`);
        return (await response.json()) as SentMail[];
      },
      async sms(to) {
        const response = await fetch(`${smsSink.url}/api/messages${to ? `?to=${encodeURIComponent(to)}` : ''}`);
        return (await response.json()) as SentSms[];
      },
      mailMode: (mode) => post(`${mailSink.url}/api/control`, { mode }),
      smsMode: (mode, accounts) => post(`${smsSink.url}/api/control`, accounts ? { mode, accounts } : { mode }),
      async query(sql, values = []) {
        const { rows } = await pool.query(sql.replaceAll('$schema', `"${schema}"`), values);
        return rows;
      },
      async stop() {
        await harness.stopNotifier().catch(() => undefined);
        await Promise.all(children.map((c) => c.kill()));
        await deleteNamespaceStreams(nats, namespace).catch(() => undefined);
        await nats.close();
        await new Promise((done) => inventory.close(done));
        await dropSchema(pool, schema);
        await pool.end();
      },
    };
    return harness;
  } catch (error) {
    await Promise.all(children.map((c) => c.kill('SIGKILL')));
    await nats.close();
    inventory.close();
    await dropSchema(pool, schema).catch(() => undefined);
    await pool.end();
    throw error;
  }
}

/** Polls until `probe` satisfies `accept`. */
export async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (accept(last)) return last;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)?.slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
