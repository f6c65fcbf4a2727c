import { createServer } from 'node:net';
import { IDENTITY, READ_SIDE, REPLICA_PORT_STEP, SERVICES, SINKS, WORKERS } from './system-manifest.js';

/** Every port the manifest listens on at offset 0 (HTTP of each process and of its second replica, and the mail sink's SMTP). */
export const MANIFEST_PORTS: readonly number[] = [
  ...[...SERVICES, ...WORKERS, ...READ_SIDE].map((p) => p.port + REPLICA_PORT_STEP),
  ...SERVICES.flatMap((s) => [s.port, s.relayPort]),
  ...SINKS.map((s) => s.port),
  ...SINKS.flatMap((s) => ('smtpPort' in s ? [s.smtpPort] : [])),
  ...WORKERS.map((w) => w.port),
  ...READ_SIDE.map((r) => r.port),
  IDENTITY.port,
  3000,
];

/** True when a listener could bind 127.0.0.1:port now. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A port offset under which every manifest port is free now, for a system run beside others (tests,
 * benchmarks, `npm start`). Offsets keep every port below 32768, where Linux hands out the ephemeral
 * ports of outgoing connections, so a client socket cannot take a port between the check and the listen.
 */
export async function freePortOffset(options: { min?: number; max?: number; attempts?: number } = {}): Promise<number> {
  const min = options.min ?? 10_000;
  const max = options.max ?? 32_767 - Math.max(...MANIFEST_PORTS);
  const slots = Math.floor((max - min) / 100);
  for (let attempt = 0; attempt < (options.attempts ?? 50); attempt++) {
    const offset = min + Math.floor(Math.random() * (slots + 1)) * 100;
    const free = await Promise.all(MANIFEST_PORTS.map((port) => portIsFree(port + offset)));
    if (free.every(Boolean)) return offset;
  }
  throw new Error(`no port offset between ${min} and ${max} with all ${MANIFEST_PORTS.length} manifest ports free`);
}

/** The given port when nothing listens on it now, otherwise one the system hands out. */
export async function freePort(preferred?: number): Promise<number> {
  if (preferred !== undefined && (await portIsFree(preferred))) return preferred;
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
