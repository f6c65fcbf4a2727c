// The whole system as `npm start` runs it, for a benchmark: from the built entry points, in schemas,
// a subject namespace and a port range of its own, its output in test-artifacts/<label>-<ns>.log;
// `stop()` ends every process and removes the run's schemas and streams.
import { jetstreamManager } from '@nats-io/jetstream';
import { connectNats } from '@stockflow/messaging';
import { createPool, dropSchema } from '@stockflow/postgres';
import { READ_SIDE, RunningSystem, SERVICES, systemManifest, type SystemSettings } from '@stockflow/system-launcher';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const workspaceRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
export const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
export const resultsDir = resolve(workspaceRoot, process.env.BENCH_RESULTS_DIR ?? 'bench/results');

export interface BenchSystem {
  readonly system: RunningSystem;
  readonly namespace: string;
  readonly schemaPrefix: string;
  readonly logFile: string;
  url(name: string): string;
  /** Stops every process, then drops the run's schemas and deletes its streams. */
  stop(): Promise<void>;
}

export async function startBenchSystem(label: string, env?: SystemSettings['env']): Promise<BenchSystem> {
  const id = randomBytes(3).toString('hex');
  const namespace = `b${id}`;
  const schemaPrefix = `b${id}`;
  const portOffset = 20_000 + Math.floor(Math.random() * 300) * 100;
  mkdirSync(resolve(workspaceRoot, 'test-artifacts'), { recursive: true });
  const logFile = resolve(workspaceRoot, 'test-artifacts', `${label}-${namespace}.log`);
  const log = createWriteStream(logFile);
  const specs = systemManifest({ databaseUrl, natsUrl, namespace, schemaPrefix, portOffset, logLevel: 'warn', env });
  const system = new RunningSystem(specs, {
    root: workspaceRoot,
    output: (name, line) => log.write(`[${name}] ${line}\n`),
    onUnexpectedExit: (name, code, signal) => log.write(`[${label}] ${name} exited unexpectedly (${signal ?? code})\n`),
    startTimeoutMs: 60_000,
  });
  const stop = async (): Promise<void> => {
    await system.stop();
    const pg = createPool({ connectionString: databaseUrl, max: 2 });
    for (const context of [...SERVICES.map((s) => s.name), ...READ_SIDE.map((r) => r.name)]) await dropSchema(pg, `${schemaPrefix}_${context}`);
    await pg.end();
    const nc = await connectNats({ url: natsUrl, name: `${label}-cleanup` });
    const jsm = await jetstreamManager(nc);
    for await (const name of jsm.streams.names()) if (name.startsWith(`${namespace.toUpperCase()}_`)) await jsm.streams.delete(name);
    await nc.close();
    log.end();
  };
  try {
    await system.start();
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message} (process output: ${logFile})`);
  }
  return { system, namespace, schemaPrefix, logFile, url: (name) => system.url(name), stop };
}
