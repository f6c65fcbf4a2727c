// `npm start`: checks that NATS and PostgreSQL answer, starts every stockflow process, prefixes
// their output, prints where each listens, and stops them all on Ctrl-C (or SIGTERM).
import { RunningSystem, SINKS, hostPort, missingDependencies, systemManifest, type Dependency } from '@stockflow/system-launcher';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
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

async function main(): Promise<void> {
  const missing = await missingDependencies(dependencies);
  if (missing.length) {
    for (const d of missing) console.error(`[dev] ${d.name} does not answer on ${d.host}:${d.port}. Start it with:\n      ${d.howToStart}`);
    process.exit(1);
  }
  let stopping = false;
  const system = new RunningSystem(systemManifest({ databaseUrl, natsUrl }), {
    root,
    onUnexpectedExit: (name, code, signal) => {
      if (stopping) return;
      console.error(`[dev] ${name} exited (${signal ?? code}); stopping everything`);
      void stop(1);
    },
  });
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await system.stop();
    console.log('[dev] all processes stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  try {
    await system.start();
  } catch (error) {
    console.error(`[dev] ${(error as Error).message}`);
    await stop(1);
    return;
  }
  console.log('\n[dev] stockflow is running:');
  const sinks = new Set<string>(SINKS.map((s) => s.name));
  for (const s of system.specs) {
    // The sinks stand in for outside providers: a message viewer, no health or metrics of their own.
    if (sinks.has(s.name)) console.log(`  ${s.name.padEnd(18)} ${s.url}   development stand-in: received messages at ${s.url}/`);
    else console.log(`  ${s.name.padEnd(18)} ${s.url}   health ${s.url}/health/ready   metrics ${s.url}/metrics`);
  }
  console.log('  API docs: http://127.0.0.1:3001/docs (orders), :3002/docs (inventory), :3003/docs (carts), :3004/docs (notifications); dashboard http://127.0.0.1:3000');
  console.log('  Ctrl-C stops everything.\n');
}

void main();
