import { DEFAULT_DATABASE_URL } from '@stockflow/postgres';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_NATS_URL } from './dev-servers/provide-servers.js';
import { freePortOffset } from './port-offset.js';
import { RunningSystem } from './running-system.js';
import { deleteSystemStreams, dropSystemSchemas } from './system-data.js';
import { eventStoreUrlOf, IDENTITY, LOAD_TEST_RATE_LIMITS, relayPlacementOf, systemManifest, type SystemSettings } from './system-manifest.js';

export interface IsolatedSystemOptions extends Partial<Pick<SystemSettings, 'env' | 'authentication' | 'rateLimits' | 'relays' | 'replicas'>> {
  /** The workspace root (entry points are built below it; output goes to `<root>/test-artifacts`). */
  readonly root: string;
  /** Names the run's log file (`<label>-<namespace>.log`). */
  readonly label: string;
  /** First letter of the run's namespace and schema prefix (`s` system tests, `b` benchmarks). */
  readonly idPrefix: string;
  /** The run's namespace and schema prefix, when the caller must know it first (e.g. to generate NATS users for it); else `<idPrefix><6 hex>`. */
  readonly id?: string;
  /** Start only these processes (by manifest name); everything by default. */
  readonly only?: readonly string[];
  readonly databaseUrl?: string;
  readonly natsUrl?: string;
  readonly startTimeoutMs?: number;
  /** The user of the cleanup connection, on a NATS server with users (ADR 0020); processes get theirs through `env`. */
  readonly natsAdmin?: { readonly user: string; readonly password: string };
  /** Extra environment of every process (e.g. `NATS_STREAM_REPLICAS` on a cluster). */
  readonly commonEnv?: Readonly<Record<string, string>>;
}

export interface IsolatedSystem {
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
 * Starts the system as `npm start` does, from the built entry points, isolated for one run on
 * shared servers: its own schemas (`<prefix><hex>_<context>`), subject namespace and free port
 * range. The processes' output goes to a log file, not the caller's console.
 */
export async function startIsolatedSystem(options: IsolatedSystemOptions): Promise<IsolatedSystem> {
  const databaseUrl = options.databaseUrl ?? process.env['DATABASE_URL'] ?? DEFAULT_DATABASE_URL;
  const natsUrl = options.natsUrl ?? process.env['NATS_URL'] ?? DEFAULT_NATS_URL;
  const id = options.id ?? `${options.idPrefix}${randomBytes(3).toString('hex')}`;
  const artifacts = resolve(options.root, 'test-artifacts');
  mkdirSync(artifacts, { recursive: true });
  const logFile = resolve(artifacts, `${options.label}-${id}.log`);
  const log = createWriteStream(logFile);
  const specs = systemManifest({ databaseUrl, natsUrl, namespace: id, schemaPrefix: id, portOffset: await freePortOffset(), logLevel: 'warn', env: options.env, authentication: options.authentication, rateLimits: options.rateLimits ?? LOAD_TEST_RATE_LIMITS, relays: options.relays ?? relayPlacementOf(), replicas: options.replicas, eventStoreUrl: eventStoreUrlOf() }).filter(
    // The identity provider always runs: every other process verifies the tokens it issues (ADR 0025).
    (spec) => !options.only || options.only.includes(spec.name.replace(/-2$/, '')) || spec.name === IDENTITY.name,
  ).map((spec) => (options.commonEnv ? { ...spec, env: { ...spec.env, ...options.commonEnv } } : spec));
  const system = new RunningSystem(specs, {
    root: options.root,
    output: (name, line) => log.write(`[${name}] ${line}\n`),
    onUnexpectedExit: (name, code, signal) => log.write(`[${options.label}] ${name} exited unexpectedly (${signal ?? code})\n`),
    startTimeoutMs: options.startTimeoutMs ?? 120_000,
  });
  const stop = async (): Promise<void> => {
    await system.stop();
    const scope = { databaseUrl, natsUrl, schemaPrefix: id, namespace: id, natsAuth: options.natsAdmin };
    await dropSystemSchemas(scope);
    await deleteSystemStreams(scope);
    log.end();
  };
  try {
    await system.start();
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message} (process output: ${logFile})`);
  }
  return { system, namespace: id, schemaPrefix: id, logFile, url: (name) => system.url(name), stop };
}
