// `npm start`: runs the whole system on this machine. PostgreSQL and NATS: the ones that answer, or
// (when their URLs were not set) an embedded PostgreSQL and the local nats-server, data under
// .stockflow/. Prints a short banner, then only warnings and errors (full logs in
// .stockflow/logs/<process>.log, or everything with --verbose); restarts a process that dies, with
// backoff; Ctrl-C (or SIGTERM) stops every process and server it started.
import { eventStoreUrlOf, IDENTITY, provideServers, READ_SIDE, relayPlacementOf, RunningSystem, SERVICES, SINKS, systemManifest, WORKERS, type ProcessSpec } from '@stockflow/system-launcher';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { banner } from './banner.js';
import { lockDataDir, runningDevRunner } from './dev-lock.js';
import { parseDevOptions } from './dev-options.js';
import { LogRouter } from './log-routing.js';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const say = (line: string): void => void process.stdout.write(`${line}\n`);
const sinks = new Set<string>([...SINKS.map((s) => s.name), IDENTITY.name]);
/** Every process that serves its OpenAPI document at /docs: the services, the notifier and the projections. */
const documented = new Set<string>([...SERVICES, ...WORKERS, ...READ_SIDE].map((s) => s.name));

/** Sinks answer /health/live only (no dependencies); every other process has /health/ready. */
async function isReady(spec: ProcessSpec): Promise<boolean> {
  try {
    return (await fetch(`${spec.url}/health/${sinks.has(spec.name) ? 'live' : 'ready'}`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

function noteFor(spec: ProcessSpec): string | undefined {
  if (documented.has(spec.name)) return `API docs ${spec.url}/docs`;
  if (spec.name === IDENTITY.name) return `tokens: POST ${spec.url}/dev/tokens {"sub":"customer-1","scope":"customer"}`;
  if (sinks.has(spec.name)) return `messages received: ${spec.url}/`;
  if (spec.name === 'dashboard') return spec.env.AUTH_ISSUER ? 'open it in a browser; sign in with any name (development)' : 'open it in a browser';
  return undefined;
}

async function main(): Promise<void> {
  let options;
  try {
    options = parseDevOptions(process.argv.slice(2), root);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  const other = runningDevRunner(options.dataDir);
  if (other) {
    console.error(`npm start is already running on ${options.dataDir} (pid ${other}); stop it first (Ctrl-C there, or kill ${other})`);
    process.exit(1);
  }
  const unlock = lockDataDir(options.dataDir);
  const logs = new LogRouter(join(options.dataDir, 'logs'), options.verbose);
  say('starting stockflow…');
  // Ctrl-C while the servers start: stop them as soon as they are up, then leave.
  let interrupted = false;
  const interrupt = (): void => void (interrupted = true);
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  const provided = await provideServers({
    root,
    dataDir: options.dataDir,
    env: process.env,
    ownServers: options.ownServers,
    output: (server, line) => logs.line(server, line, 'stdout'),
  });
  process.off('SIGINT', interrupt);
  process.off('SIGTERM', interrupt);
  if (!provided.ok || interrupted) {
    if (provided.ok) {
      await provided.stop();
      say('stopped before starting the system: the servers it started are gone');
    } else for (const problem of provided.problems) console.error(`npm start: ${problem}`);
    unlock();
    process.exit(provided.ok ? 0 : 1);
  }

  const specs = systemManifest({ databaseUrl: provided.databaseUrl, natsUrl: provided.natsUrl, portOffset: options.portOffset, authentication: options.auth, relays: relayPlacementOf(), eventStoreUrl: eventStoreUrlOf() }).filter(
    (spec) => !options.only || options.only.includes(spec.name) || spec.name === IDENTITY.name,
  );
  let stopping = false;
  const system = new RunningSystem(specs, {
    root,
    output: (name, line, stream) => logs.line(name, line, stream),
    // Fourteen Node processes loading at once on a busy two-core machine can take a minute or more.
    startTimeoutMs: 180_000,
    supervise: {
      onRestarting: (name, exit) => say(`${name} | exited (${exit.signal ?? `code ${exit.code}`}); restarting in ${exit.delayMs / 1000} s`),
      onRestarted: (name, live) => {
        if (!live) return say(`${name} | restarted but not live; it is restarted again if it dies`);
        const spec = system.spec(name);
        void waitUntilReady(spec, 60_000).then((ready) => !stopping && say(`${name} | back and ${ready ? 'ready' : 'live (not ready yet)'}`));
      },
    },
  });
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    await system.stop();
    await provided.stop();
    await logs.close();
    unlock();
    say('stopped: every process and server npm start started is gone');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  try {
    await system.start();
  } catch (error) {
    console.error(`npm start: ${(error as Error).message} (logs: ${logs.logsDir})`);
    await stop(1);
    return;
  }
  const ready = await Promise.all(specs.map((spec) => waitUntilReady(spec, 30_000)));
  say(
    banner({
      servers: provided.servers,
      processes: specs.map((spec, i) => ({ name: spec.name, url: spec.url, ready: ready[i]!, note: noteFor(spec) })),
      logsDir: logs.logsDir,
      verbose: options.verbose,
    }),
  );
  specs.forEach((spec, i) => {
    if (!ready[i]) void waitUntilReady(spec, 10 * 60_000).then((now) => now && !stopping && say(`${spec.name} | ready`));
  });
}

async function waitUntilReady(spec: ProcessSpec, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await isReady(spec)) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

void main();
