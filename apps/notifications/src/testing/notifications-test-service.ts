// Test support (not used by main.ts): the notifications service in-process against the real
// PostgreSQL and NATS, in a schema and a subject namespace of its own that `stop()` removes.
import { expect } from '@jest/globals';
import { deleteNamespaceStreams, uniqueNamespace } from '@stockflow/messaging/testing';
import { runEventSourcedService, type RunningService } from '@stockflow/platform';
import { createPool, dropSchema, quoteSchema, uniqueSchemaName } from '@stockflow/postgres';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { NotificationsConfig } from '../notifications-config.js';
import { NotificationsModule, notificationsOpenApi } from '../notifications.module.js';
import { liveInboxSubject, type LiveInboxMessage } from '../shared/live-subject.js';

type Server = Parameters<typeof request>[0];
export type Response = Awaited<ReturnType<ReturnType<typeof request>['get']>>;

export interface NotificationsTestService {
  readonly running: RunningService;
  readonly server: Server;
  readonly url: string;
  readonly schema: string;
  readonly namespace: string;
  readonly config: NotificationsConfig;
  http(): ReturnType<typeof request>;
  /** Number of stored events and the read models' row counts. */
  logState(): Promise<Record<string, number>>;
  /** Inserts an inbox row as the notifier does (commit, then the live message unless `publish` is false). */
  deliverToInbox(customerId: string, fields?: Partial<Pick<LiveInboxMessage, 'sku' | 'kind' | 'title' | 'body' | 'link'>>, publish?: boolean): Promise<LiveInboxMessage>;
  stop(): Promise<void>;
}

export async function startNotificationsTestService(overrides: Partial<NotificationsConfig> = {}): Promise<NotificationsTestService> {
  const schema = uniqueSchemaName('t_notif');
  const namespace = uniqueNamespace();
  const config = Object.assign(new NotificationsConfig(), { DB_SCHEMA: schema, NATS_NAMESPACE: namespace, LOG_LEVEL: 'warn' as const, ...overrides });
  let running: RunningService | undefined;
  for (let attempt = 1; !running; attempt++) {
    try {
      running = await runEventSourcedService({
        name: 'notifications',
        config,
        module: () => NotificationsModule,
        openApi: notificationsOpenApi,
        port: 20000 + Math.floor(Math.random() * 20000),
        handleSignals: false,
      });
    } catch (error) {
      if (attempt >= 5 || (error as { code?: string }).code !== 'EADDRINUSE') throw error;
    }
  }
  const started = running;
  const server = started.service.app.getHttpServer() as Server;
  const s = quoteSchema(schema);
  const pool = started.infrastructure.pool;
  return {
    running: started,
    server,
    url: started.url,
    schema,
    namespace,
    config,
    http: () => request(server),
    async logState() {
      const { rows } = await pool.query<Record<string, number>>(
        `SELECT (SELECT count(*)::int FROM ${s}.events) AS events, (SELECT count(*)::int FROM ${s}.customers) AS customers,
                (SELECT count(*)::int FROM ${s}.subscriptions) AS subscriptions, (SELECT count(*)::int FROM ${s}.phone_opt_outs) AS phones,
                (SELECT count(*)::int FROM ${s}.inbox WHERE read_at IS NOT NULL) AS read`,
      );
      return rows[0]!;
    },
    async deliverToInbox(customerId, fields = {}, publish = true) {
      const { rows } = await pool.query<{ id: string; created_at: Date }>(
        `INSERT INTO ${s}.inbox (customer_id, delivery_id, sku, kind, title, body, link) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, created_at`,
        [customerId, randomUUID(), fields.sku ?? 'SKU-1', fields.kind ?? 'back-in-stock', fields.title ?? 'Back in stock', fields.body ?? 'It is back.', fields.link ?? null],
      );
      const message: LiveInboxMessage = {
        id: Number(rows[0]!.id),
        customerId,
        sku: fields.sku ?? 'SKU-1',
        kind: fields.kind ?? 'back-in-stock',
        title: fields.title ?? 'Back in stock',
        body: fields.body ?? 'It is back.',
        link: fields.link ?? null,
        createdAt: rows[0]!.created_at.toISOString(),
      };
      if (publish) started.infrastructure.nats.publish(liveInboxSubject(namespace, customerId), JSON.stringify(message));
      return message;
    },
    async stop() {
      await deleteNamespaceStreams(started.infrastructure.nats, namespace).catch(() => undefined);
      await started.stop();
      const cleanup = createPool({ max: 1 });
      try {
        await dropSchema(cleanup, schema);
      } finally {
        await cleanup.end();
      }
    },
  };
}

/** Runs `act` and checks that no event was appended and no read model changed. */
export async function expectNothingAppended(service: NotificationsTestService, act: () => Promise<unknown>): Promise<void> {
  const before = await service.logState();
  await act();
  expect(await service.logState()).toEqual(before);
}

/** A problem+json answer with `status`; with `fields`, `errors` names exactly those. */
export function expectProblem(response: Response, status: number, fields?: readonly string[]): void {
  expect({ status: response.status, contentType: response.headers['content-type'] }).toEqual({
    status,
    contentType: expect.stringContaining('application/problem+json'),
  });
  const body = response.body as { status: number; type: string; errors?: { field: string; messages: string[] }[] };
  expect(body.status).toBe(status);
  expect(typeof body.type).toBe('string');
  if (fields) {
    expect((body.errors ?? []).map((e) => e.field).sort()).toEqual([...fields].sort());
    for (const error of body.errors ?? []) expect(error.messages.length).toBeGreaterThan(0);
  }
}

export interface RawBody {
  readonly name: string;
  readonly contentType?: string;
  readonly body?: string;
  readonly status: number;
}

/** Bodies no JSON endpoint accepts: the parser or the platform refuses them. */
export function unparseableBodies(): RawBody[] {
  return [
    { name: 'malformed JSON', contentType: 'application/json', body: '{"channels": ', status: 400 },
    { name: 'empty body declared as JSON', contentType: 'application/json', body: '', status: 400 },
    { name: 'a __proto__ key', contentType: 'application/json', body: '{"__proto__": {"admin": true}}', status: 400 },
    { name: 'a body over 1 MiB', contentType: 'application/json', body: JSON.stringify({ padding: 'x'.repeat(1024 * 1024 + 16) }), status: 413 },
    { name: 'XML', contentType: 'application/xml', body: '<preferences/>', status: 415 },
  ];
}

export function sendRaw(service: NotificationsTestService, method: 'post' | 'put' | 'delete', path: string, raw: Pick<RawBody, 'contentType' | 'body'>): Promise<Response> {
  let call = service.http()[method](path);
  if (raw.contentType) call = call.set('content-type', raw.contentType);
  return (raw.body === undefined ? call : call.send(raw.body)) as unknown as Promise<Response>;
}

/** Path segments that are not customer ids (URL-encoded). */
export const badCustomerIds: readonly { readonly name: string; readonly segment: string }[] = [
  { name: '65 characters', segment: 'c'.repeat(65) },
  { name: 'blank', segment: '%20%20' },
  { name: 'a NUL', segment: '%00' },
  { name: 'a newline', segment: 'a%0Ab' },
];

/** A Server-Sent Events client over fetch, collecting events as they arrive. */
export interface SseClient {
  readonly events: { id: string | null; event: string | null; data: string }[];
  readonly comments: string[];
  readonly status: number;
  readonly headers: Headers;
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const events: SseClient['events'] = [];
  const comments: string[] = [];
  const waiters: (() => void)[] = [];
  if (response.ok && response.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let id: string | null = null;
            let event: string | null = null;
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) comments.push(line.slice(1).trim());
              else if (line.startsWith('id: ')) id = line.slice(4);
              else if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: ')) data.push(line.slice(6));
            }
            if (data.length) events.push({ id, event, data: data.join('\n') });
            waiters.splice(0).forEach((w) => w());
          }
        }
      } catch {
        // aborted
      }
    })();
  }
  return {
    events,
    comments,
    status: response.status,
    headers: response.headers,
    async waitFor(n, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      while (events.length < n) {
        if (Date.now() > until) throw new Error(`expected ${n} SSE events, got ${events.length}: ${JSON.stringify(events)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
    },
    close: () => controller.abort(),
  };
}
