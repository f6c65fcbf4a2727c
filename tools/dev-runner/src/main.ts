// `npm start`: checks that NATS and PostgreSQL answer, starts every stockflow process, prefixes
// their output, prints where each listens, and stops them all on Ctrl-C (or SIGTERM).
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { hostPort, missingDependencies, type Dependency } from './dependency-check.js';
import { systemManifest, type ProcessSpec } from './system-manifest.js';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../../..');
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

const dependencies: Dependency[] = [
  {
    name: 'PostgreSQL',
    ...hostPort(databaseUrl, 5432),
    howToStart: "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start   (Debian package 'postgresql')",
  },
  {
    name: 'NATS with JetStream',
    ...hostPort(natsUrl, 4222),
    howToStart:
      "start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log   (Debian package 'nats-server')",
  },
];

const children = new Map<string, ChildProcess>();
let stopping = false;

function prefixLines(name: string, chunk: Buffer, out: NodeJS.WriteStream): void {
  for (const line of chunk.toString().split('\n')) if (line.length) out.write(`[${name}] ${line}\n`);
}

function startProcess(spec: ProcessSpec): ChildProcess {
  const child = spawn(process.execPath, [resolve(root, spec.entry)], {
    cwd: root,
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c: Buffer) => prefixLines(spec.name, c, process.stdout));
  child.stderr!.on('data', (c: Buffer) => prefixLines(spec.name, c, process.stderr));
  child.on('exit', (code, signal) => {
    children.delete(spec.name);
    if (!stopping) {
      console.error(`[dev] ${spec.name} exited (${signal ?? code}); stopping everything`);
      void stopAll(1);
    }
  });
  return child;
}

async function waitUntilLive(spec: ProcessSpec, timeoutMs = 30_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && !stopping) {
    try {
      const response = await fetch(`${spec.url}/health/live`);
      if (response.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

async function stopAll(exitCode: number): Promise<void> {
  stopping = true;
  const exits = [...children.values()].map(
    (child) =>
      new Promise<void>((done) => {
        const killTimer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(killTimer);
          done();
        });
        child.kill('SIGTERM');
      }),
  );
  await Promise.all(exits);
  console.log('[dev] all processes stopped');
  process.exit(exitCode);
}

async function main(): Promise<void> {
  const missing = await missingDependencies(dependencies);
  if (missing.length) {
    for (const d of missing) console.error(`[dev] ${d.name} does not answer on ${d.host}:${d.port}. Start it with:\n      ${d.howToStart}`);
    process.exit(1);
  }
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  const specs = systemManifest({ databaseUrl, natsUrl });
  for (const spec of specs) children.set(spec.name, startProcess(spec));
  const live = await Promise.all(specs.map((s) => waitUntilLive(s)));
  if (stopping) return;
  console.log('\n[dev] stockflow is running:');
  specs.forEach((s, i) => console.log(`  ${live[i] ? 'up  ' : 'DOWN'}  ${s.name.padEnd(22)} ${s.url}  (health ${s.url}/health/ready, metrics ${s.url}/metrics)`));
  console.log('  Ctrl-C stops everything.\n');
}

void main();
