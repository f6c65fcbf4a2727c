import type { RunningService, StartOptions } from '@stockflow/platform';
import type { Server } from 'node:http';
import request from 'supertest';
import { eventLogFootprint, type LogFootprint } from './event-log.js';
import { testIdentity, type TestIdentity } from './identity.js';
import { newIsolation, removeIsolation, type TestIsolation } from './isolation.js';
import { IN_PROCESS } from './in-process.js';
import { expectEventLog, testEventStoreDbClient } from './test-event-log.js';

export { IN_PROCESS } from './in-process.js';

/** What a service under test is started with: its isolation, and the issuer whose tokens it accepts. */
export interface TestServiceSetup extends TestIsolation {
  /** `AUTH_ISSUER` for the service's config: the test file's in-process identity provider (ADR 0025). */
  readonly authIssuer: string;
}

/** A service started by its own start function, in-process, isolated for one test run. */
export interface ServiceUnderTest extends TestIsolation {
  readonly running: RunningService;
  readonly url: string;
  readonly server: Server;
  /** Tokens of customers and operators for this service. */
  readonly identity: TestIdentity;
  /**
   * `supertest` bound to the service, calling as `token` (a bearer token from `identity`), or as the
   * harness's default caller when omitted, or anonymously when `null`.
   */
  http(token?: string | null): ReturnType<typeof request>;
  /** The service's event log: its head and its number of events. */
  logState(): Promise<LogFootprint>;
  /** Stops the service, then drops its schema and deletes its streams. */
  stop(): Promise<void>;
}

/**
 * Starts a service the way its `main.ts` does (`start` is the app's own start function, given the
 * run's schema and namespace and `IN_PROCESS`), in a schema and subject namespace of its own, on the
 * log `STOCKFLOW_TEST_EVENT_LOG` names (`testEventLog`).
 */
export async function startServiceUnderTest(
  schemaPrefix: string,
  start: (setup: TestServiceSetup, options: StartOptions) => Promise<RunningService>,
  caller?: (identity: TestIdentity) => Promise<string>,
): Promise<ServiceUnderTest> {
  const isolation = newIsolation(schemaPrefix);
  const identity = await testIdentity();
  const defaultToken = caller ? await caller(identity) : null;
  const esdb = testEventStoreDbClient();
  let running: RunningService;
  try {
    running = await start({ ...isolation, authIssuer: identity.issuer }, esdb ? { ...IN_PROCESS, eventStoreDbClient: esdb.client } : IN_PROCESS);
  } catch (error) {
    await esdb?.dispose().catch(() => undefined);
    await removeIsolation(isolation).catch(() => undefined);
    throw error;
  }
  try {
    expectEventLog(running);
  } catch (error) {
    await running.stop();
    await esdb?.dispose();
    await removeIsolation(isolation);
    throw error;
  }
  const server = running.service.app.getHttpServer() as Server;
  return {
    ...isolation,
    running,
    url: running.url,
    server,
    identity,
    http: (token?: string | null) => as(server, token === undefined ? defaultToken : token),
    logState: () => eventLogFootprint(running.infrastructure),
    async stop() {
      await running.stop();
      await esdb?.dispose();
      await removeIsolation(isolation);
    },
  };
}

/** `supertest` on `server` with `Authorization: Bearer <token>` on every request (none for null). */
export function as(server: Server, token: string | null): ReturnType<typeof request> {
  const agent = request(server);
  if (token === null) return agent;
  const withToken =
    (method: 'get' | 'post' | 'put' | 'delete' | 'patch' | 'head' | 'options') =>
    (url: string) =>
      agent[method](url).set('authorization', `Bearer ${token}`);
  return {
    get: withToken('get'),
    post: withToken('post'),
    put: withToken('put'),
    delete: withToken('delete'),
    patch: withToken('patch'),
    head: withToken('head'),
    options: withToken('options'),
  } as unknown as ReturnType<typeof request>;
}

/**
 * The rate limits of a service under test (ADR 0028): on, but above what a test sends from one
 * address. A test of the limits themselves sets its own.
 */
export const TEST_RATE_LIMITS = { RATE_LIMIT_PER_IP: 1_000_000, RATE_LIMIT_PER_IDENTITY: 1_000_000 } as const;

/** `TEST_RATE_LIMITS` as environment variables (for `loadConfig` and child processes). */
export const TEST_RATE_LIMIT_ENV: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(TEST_RATE_LIMITS).map(([k, v]) => [k, String(v)]));
