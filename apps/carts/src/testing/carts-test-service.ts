// Test support (not used by main.ts): the carts service in-process against the real PostgreSQL and
// NATS, in a schema and a subject namespace of its own that `stop()` removes.
import { expect } from '@jest/globals';
import { deleteNamespaceStreams, uniqueNamespace } from '@stockflow/messaging/testing';
import { runEventSourcedService, type RunningService } from '@stockflow/platform';
import { createPool, dropSchema, quoteSchema, uniqueSchemaName } from '@stockflow/postgres';
import request from 'supertest';
import { CartsConfig } from '../carts-config.js';
import { CartsModule, cartsOpenApi } from '../carts.module.js';

type Server = Parameters<typeof request>[0];
type Response = Awaited<ReturnType<ReturnType<typeof request>['get']>>;

export interface CartsTestService {
  readonly running: RunningService;
  readonly server: Server;
  readonly schema: string;
  readonly namespace: string;
  /** `supertest` bound to the service. */
  http(): ReturnType<typeof request>;
  /** The store's head position and the number of stored events (the head only shows committed-and-final rows). */
  logState(): Promise<{ head: string | null; events: number }>;
  /** Opens a cart for `customerId` and returns its id. */
  createCart(customerId?: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startCartsTestService(): Promise<CartsTestService> {
  const schema = uniqueSchemaName('t_carts');
  const namespace = uniqueNamespace();
  const config = Object.assign(new CartsConfig(), { DB_SCHEMA: schema, NATS_NAMESPACE: namespace, LOG_LEVEL: 'warn' as const });
  let running: RunningService | undefined;
  for (let attempt = 1; !running; attempt++) {
    try {
      running = await runEventSourcedService({
        name: 'carts',
        config,
        module: () => CartsModule,
        openApi: cartsOpenApi,
        port: 20000 + Math.floor(Math.random() * 20000),
        handleSignals: false,
      });
    } catch (error) {
      // A random port that happens to be taken: pick another.
      if (attempt >= 5 || (error as { code?: string }).code !== 'EADDRINUSE') throw error;
    }
  }
  const started = running;
  const server = started.service.app.getHttpServer() as Server;
  const events = `SELECT count(*)::int AS n, max(global_position)::int AS last FROM ${quoteSchema(schema)}.events`;
  const service: CartsTestService = {
    running: started,
    server,
    schema,
    namespace,
    http: () => request(server),
    async logState() {
      // Counted without the reader's xmin guard: another run's open transaction on the shared
      // server may hold headPosition() back, which says nothing about this test's appends.
      const { rows } = await started.infrastructure.pool.query<{ n: number; last: number | null }>(events);
      return { head: rows[0]!.last === null ? null : String(rows[0]!.last), events: rows[0]!.n };
    },
    async createCart(customerId = 'customer-1') {
      const response = await request(server).post('/carts').send({ customerId }).expect(201);
      return (response.body as { id: string }).id;
    },
    async stop() {
      await deleteNamespaceStreams(started.infrastructure.nats, namespace).catch(() => undefined);
      await started.stop();
      const pool = createPool({ max: 1 });
      try {
        await dropSchema(pool, schema);
      } finally {
        await pool.end();
      }
    },
  };
  return service;
}

/** Runs `act` and checks that the event log did not change. */
export async function expectNothingAppended(service: CartsTestService, act: () => Promise<unknown>): Promise<void> {
  const before = await service.logState();
  await act();
  expect(await service.logState()).toEqual(before);
}

/**
 * Checks a problem+json answer: the status (a 4xx), the media type, the body's status, and, when
 * `fields` is given, that `errors` names exactly those fields.
 */
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

/** Bodies that are wrong for any endpoint that takes JSON. */
export const oversizedBody = (): string => JSON.stringify({ padding: 'x'.repeat(1024 * 1024 + 16) });

/** A request body sent as raw text with a content type (or none). */
export interface RawBody {
  readonly name: string;
  readonly contentType?: string;
  readonly body?: string;
  readonly status: number;
  /** The fields `errors` must name (omitted: the problem need not have `errors`). */
  readonly fields?: readonly string[];
}

/** Bodies that no JSON endpoint accepts, whatever its fields: the parser or the platform refuses them. */
export function unparseableBodies(): RawBody[] {
  return [
    { name: 'malformed JSON', contentType: 'application/json', body: '{"quantity": ', status: 400 },
    { name: 'truncated JSON string', contentType: 'application/json', body: '{"customerId": "abc', status: 400 },
    { name: 'empty body declared as JSON', contentType: 'application/json', body: '', status: 400 },
    { name: 'a __proto__ key', contentType: 'application/json', body: '{"__proto__": {"admin": true}}', status: 400 },
    { name: 'a body over 1 MiB', contentType: 'application/json', body: oversizedBody(), status: 413 },
    { name: 'XML', contentType: 'application/xml', body: '<cart/>', status: 415 },
  ];
}

/** Sends `raw` with `method` to `path` and returns the response. */
export function sendRaw(service: CartsTestService, method: 'post' | 'put' | 'delete', path: string, raw: Pick<RawBody, 'contentType' | 'body'>): Promise<Response> {
  let call = service.http()[method](path);
  if (raw.contentType) call = call.set('content-type', raw.contentType);
  return (raw.body === undefined ? call : call.send(raw.body)) as unknown as Promise<Response>;
}

/** Path segments that are not cart ids (already URL-encoded where needed). */
export const badCartIds: readonly { readonly name: string; readonly segment: string }[] = [
  { name: 'a word', segment: 'not-a-uuid' },
  { name: 'a number', segment: '42' },
  { name: 'a UUID with a non-hex digit', segment: 'g0000000-0000-4000-8000-000000000000' },
  { name: 'a UUID without dashes', segment: '0b5a3c9e7d1f4c2a9e8b3f6d2a1c4b5e' },
  { name: 'a UUID with a suffix', segment: '0b5a3c9e-7d1f-4c2a-9e8b-3f6d2a1c4b5e0' },
  { name: 'an encoded slash', segment: 'a%2Fb' },
  { name: 'a NUL', segment: '%00' },
  { name: 'a quote and spaces', segment: "1'%20OR%20'1'%3D'1" },
];

/** Path segments that are not SKUs (already URL-encoded). */
export const badSkus: readonly { readonly name: string; readonly segment: string }[] = [
  { name: 'a space', segment: 'a%20b' },
  { name: '65 characters', segment: 'S'.repeat(65) },
  { name: 'an encoded slash', segment: 'a%2Fb' },
  { name: 'a NUL', segment: '%00' },
  { name: 'a non-ASCII letter', segment: '%C3%A9' },
  { name: 'a comma', segment: 'a%2Cb' },
  { name: 'a plus sign', segment: 'a+b' },
];

/**
 * URLs the router itself refuses before any handler (malformed percent-encoding → 400, a parameter
 * over Fastify's 100 characters → 414). The platform does not render these as problem+json yet.
 */
export const routerRefusedSegments: readonly { readonly name: string; readonly segment: string; readonly status: number }[] = [
  { name: 'malformed percent-encoding', segment: '%E0%A4%A', status: 400 },
  { name: 'an encoded surrogate (invalid UTF-8)', segment: '%ED%A0%80', status: 400 },
  { name: 'a 101-character parameter', segment: 'a'.repeat(101), status: 414 },
];
