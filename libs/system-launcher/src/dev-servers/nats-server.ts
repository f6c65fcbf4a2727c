import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { startServerProcess, type DevServer } from './dev-server.js';

/** `nats-server` on the PATH, or where Debian's package puts it (/usr/sbin is not on every user's PATH). */
export function findNatsServer(path = process.env['PATH'] ?? ''): string | undefined {
  const dirs = [...path.split(delimiter).filter(Boolean), '/usr/sbin', '/usr/local/sbin'];
  return dirs.map((dir) => join(dir, 'nats-server')).find((candidate) => existsSync(candidate));
}

export interface NatsServerOptions {
  readonly executable: string;
  /** JetStream's store folder (kept after). */
  readonly dataDir: string;
  readonly port: number;
  readonly output: (line: string) => void;
  /**
   * More configuration (e.g. an `authorization` block of users, ADR 0020), written into `dataDir`
   * and loaded before the options above.
   */
  readonly config?: string;
  /** Environment additions (the `$VARIABLE`s the configuration refers to, such as passwords). */
  readonly env?: Readonly<Record<string, string>>;
}

/** A NATS server with JetStream on 127.0.0.1, its streams under `dataDir`. */
export function startNatsServer(options: NatsServerOptions): Promise<DevServer> {
  mkdirSync(options.dataDir, { recursive: true });
  const config = options.config === undefined ? [] : ['-c', join(options.dataDir, 'stockflow-extra.conf')];
  if (options.config !== undefined) writeFileSync(config[1]!, options.config);
  return startServerProcess({
    name: 'NATS (started here)',
    url: `nats://127.0.0.1:${options.port}`,
    command: options.executable,
    args: [...config, '-a', '127.0.0.1', '-p', String(options.port), '-js', '-sd', options.dataDir],
    port: options.port,
    readyLine: /Server is ready/,
    output: options.output,
    env: options.env,
  });
}
