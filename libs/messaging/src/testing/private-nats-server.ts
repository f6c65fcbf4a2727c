import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PrivateNatsServerOptions {
  /** Extra configuration (e.g. an `authorization` block), written beside the server's and included. */
  readonly config?: string;
  /** The server's environment additions (the `$VARIABLE`s its configuration refers to). */
  readonly env?: Readonly<Record<string, string>>;
  readonly startTimeoutMs?: number;
}

export interface PrivateNatsServer {
  readonly url: string;
  readonly port: number;
  /** Stops the server and removes its directory (configuration and JetStream store). */
  stop(): Promise<void>;
}

/**
 * A `nats-server` (JetStream on) of the test's own: a free port on 127.0.0.1, its own store directory
 * under the system's temp dir, its own configuration. For what the shared server must not be changed
 * for: users and permissions, outages, clusters.
 */
export async function startPrivateNatsServer(options: PrivateNatsServerOptions = {}): Promise<PrivateNatsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'stockflow-nats-'));
  const port = await freePort();
  writeFileSync(join(dir, 'extra.conf'), options.config ?? '');
  writeFileSync(join(dir, 'server.conf'), [`listen: "127.0.0.1:${port}"`, `jetstream { store_dir: ${JSON.stringify(join(dir, 'store'))} }`, 'include ./extra.conf', ''].join('\n'));
  let output = '';
  const child: ChildProcess = spawn('nats-server', ['-c', join(dir, 'server.conf')], { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const until = Date.now() + (options.startTimeoutMs ?? 10_000);
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > until) {
      await stop();
      throw new Error(`nats-server did not start on port ${port}: ${output.trim().slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url: `nats://127.0.0.1:${port}`, port, stop };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
