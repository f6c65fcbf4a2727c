import { jetstreamManager } from '@nats-io/jetstream';
import { connectNats } from '@stockflow/messaging';
import { createPool, dropSchema } from '@stockflow/postgres';
import { freePortOffset, RunningSystem, SERVICES, systemManifest, type SystemSettings } from '@stockflow/system-launcher';
import { createWriteStream, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';

export const workspaceRoot = resolve(process.cwd(), '../..');
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

export interface TestSystem {
  readonly system: RunningSystem;
  readonly namespace: string;
  readonly schemaPrefix: string;
  readonly logFile: string;
  /** Base URL of a process by name (`orders`, `inventory`, `relay-orders`, …). */
  url(name: string): string;
  /** Stops every process, then removes the run's schemas and streams. */
  stop(): Promise<void>;
}

/**
 * Starts the whole system as `npm start` does, from the built entry points, isolated for one test
 * run: its own schemas (`s<hex>_<context>`), subject namespace and port range. Output goes to a log
 * file under test-artifacts/ rather than the test report.
 */
export interface TestSystemOptions extends Partial<Pick<SystemSettings, 'env'>> {
  /** Start only these processes (by manifest name); everything by default. */
  readonly only?: readonly string[];
}

/** The write side: the three services and their relays. */
export const WRITE_SIDE = ['relay-orders', 'relay-inventory', 'relay-carts', 'orders', 'inventory', 'carts'] as const;

export async function startTestSystem(options: TestSystemOptions = {}): Promise<TestSystem> {
  const { only, ...extra } = options;
  const id = randomBytes(3).toString('hex');
  const namespace = `s${id}`;
  const schemaPrefix = `s${id}`;
  const portOffset = await freePortOffset();
  const artifacts = resolve(workspaceRoot, 'test-artifacts');
  mkdirSync(artifacts, { recursive: true });
  const logFile = resolve(artifacts, `system-${namespace}.log`);
  const log = createWriteStream(logFile);
  const specs = systemManifest({ databaseUrl, natsUrl, namespace, schemaPrefix, portOffset, logLevel: 'warn', ...extra }).filter(
    (spec) => !only || only.includes(spec.name),
  );
  const system = new RunningSystem(specs, {
    root: workspaceRoot,
    output: (name, line) => log.write(`[${name}] ${line}\n`),
    onUnexpectedExit: (name, code, signal) => log.write(`[system-test] ${name} exited unexpectedly (${signal ?? code})\n`),
    startTimeoutMs: 120_000,
  });
  const cleanup = async (): Promise<void> => {
    const pool = createPool({ connectionString: databaseUrl, max: 2 });
    for (const context of [...SERVICES.map((s) => s.name), 'projections']) await dropSchema(pool, `${schemaPrefix}_${context}`);
    await pool.end();
    const nc = await connectNats({ url: natsUrl, name: 'system-test-cleanup' });
    const jsm = await jetstreamManager(nc);
    for await (const name of jsm.streams.names()) if (name.startsWith(`${namespace.toUpperCase()}_`)) await jsm.streams.delete(name);
    await nc.close();
  };
  try {
    await system.start();
  } catch (error) {
    await system.stop();
    await cleanup();
    log.end();
    throw new Error(`${(error as Error).message} (process output: ${logFile})`);
  }
  return {
    system,
    namespace,
    schemaPrefix,
    logFile,
    url: (name) => system.url(name),
    async stop() {
      await system.stop();
      await cleanup();
      log.end();
    },
  };
}

/** Polls `probe` until it returns a value `accept` takes, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < until) {
    last = await probe();
    if (accept(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
}

/** JSON over HTTP with the status, for tests. */
export async function http<T = unknown>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T; headers: Headers }> {
  const response = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
}
