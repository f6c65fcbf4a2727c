import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The pid of the `npm start` that runs on this data folder now, if any (its lock file names a live process). */
export function runningDevRunner(dataDir: string): number | undefined {
  const file = join(dataDir, 'dev-runner.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** Marks this process as the `npm start` of the data folder; the returned function removes the mark. */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'dev-runner.pid');
  writeFileSync(file, `${process.pid}\n`);
  return () => rmSync(file, { force: true });
}
