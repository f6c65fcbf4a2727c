// A project's built entry point (`dist/main.js`, built before its tests) as a real process: how its
// main specs check the configuration errors, the start-up and the stop on SIGTERM of `runMain`.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export interface EntryProcess {
  readonly child: ChildProcess;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  /** stderr so far. */
  stderr(): string;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `dist/main.js` of the project under test with `env` over the test's environment (LOG_LEVEL warn
 * and STOCKFLOW_ENV development unless given: a main spec that checks production mode says so).
 */
export function runEntry(env: Record<string, string>, entry = resolve(process.cwd(), 'dist/main.js')): EntryProcess {
  const child = spawn(process.execPath, [entry], { env: { ...process.env, LOG_LEVEL: 'warn', STOCKFLOW_ENV: 'development', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stderr += chunk.toString();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  return { child, output: () => output, stderr: () => stderr, exit };
}

/** The last answer of `GET <url>/health/ready` once it is 200, or after ~15 s; throws at once if the process exits. */
export async function untilReady(url: string, entry: EntryProcess, name = 'the process'): Promise<Response | null> {
  let ready: Response | null = null;
  for (let i = 0; i < 150 && !ready?.ok; i++) {
    if (entry.child.exitCode !== null) throw new Error(`${name} exited early:\n${entry.output()}`);
    ready = await fetch(`${url}/health/ready`).catch(() => null);
    if (!ready?.ok) await new Promise((r) => setTimeout(r, 100));
  }
  return ready;
}
