// `npm run reset`: removes the development data `npm start` keeps — its schemas on the PostgreSQL at
// DATABASE_URL, its streams on the NATS at NATS_URL (where they answer), and .stockflow/ (the
// embedded servers' data and the logs). Lists what it will remove and asks first; `--yes` skips the
// question; with no terminal to ask on, it refuses unless given --yes.
import {
  answers,
  DEFAULT_NATS_URL,
  deleteSystemStreams,
  dropSystemSchemas,
  existingSystemSchemas,
  existingSystemStreams,
  hostPort,
} from '@stockflow/system-launcher';
import { DEFAULT_DATABASE_URL } from '@stockflow/postgres';
import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { fileURLToPath } from 'node:url';
import { runningDevRunner } from './dev-lock.js';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const USAGE = 'usage: npm run reset -- [--yes] [--data-dir <dir>]';

function parse(argv: readonly string[]): { yes: boolean; dataDir: string } {
  let yes = false;
  let dataDir = resolve(root, '.stockflow');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--yes' || argv[i] === '-y') yes = true;
    else if (argv[i] === '--data-dir' && argv[i + 1]) dataDir = resolve(argv[++i]!);
    else throw new Error(`unknown option ${argv[i]}\n${USAGE}`);
  }
  return { yes, dataDir };
}

async function main(): Promise<number> {
  const { yes, dataDir } = parse(process.argv.slice(2));
  const running = runningDevRunner(dataDir);
  if (running) {
    console.error(`reset: npm start is running (pid ${running}); stop it first (Ctrl-C there)`);
    return 1;
  }
  const scope = { databaseUrl: process.env['DATABASE_URL'] ?? DEFAULT_DATABASE_URL, natsUrl: process.env['NATS_URL'] ?? DEFAULT_NATS_URL };
  const db = hostPort(scope.databaseUrl, 5432);
  const nats = hostPort(scope.natsUrl, 4222);
  const schemas = (await answers(db.host, db.port)) ? await existingSystemSchemas(scope) : [];
  const streams = (await answers(nats.host, nats.port)) ? await existingSystemStreams(scope) : [];
  const folder = existsSync(dataDir);
  if (!schemas.length && !streams.length && !folder) {
    console.log('reset: no development data to remove');
    return 0;
  }
  console.log('reset will remove:');
  if (schemas.length) console.log(`  PostgreSQL ${db.host}:${db.port}: schemas ${schemas.join(', ')} (with every event and read model in them)`);
  if (streams.length) console.log(`  NATS ${nats.host}:${nats.port}: streams ${streams.join(', ')} (with their consumers)`);
  if (folder) console.log(`  ${dataDir} (embedded PostgreSQL and NATS data, logs)`);
  if (!yes) {
    if (!process.stdin.isTTY) {
      console.error('reset: no terminal to ask on; nothing removed. To remove it all: npm run reset -- --yes');
      return 1;
    }
    const prompt = createInterface({ input: process.stdin, output: process.stdout });
    const answer = (await prompt.question('Remove all of this? [y/N] ')).trim().toLowerCase();
    prompt.close();
    if (answer !== 'y' && answer !== 'yes') {
      console.log('reset: nothing removed');
      return 0;
    }
  }
  if (schemas.length) await dropSystemSchemas(scope);
  if (streams.length) await deleteSystemStreams(scope);
  if (folder) rmSync(dataDir, { recursive: true, force: true });
  console.log('reset: done; npm start begins from nothing');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`reset: ${(error as Error).message}`);
    process.exit(1);
  },
);
