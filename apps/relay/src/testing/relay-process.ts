// The relay as a real process for its tests: spawned from its build, stopped with a signal.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const relayEntry = resolve(process.cwd(), 'dist/main.js');

export interface RelayProcesses {
  /** Starts `dist/main.js` for the `inventory` context with the given schema, namespace, port and extra env. */
  start(port: number, env?: Record<string, string>): ChildProcess;
  /** Throws when a relay exited by itself (not killed by the test). */
  assertNoneExitedEarly(): void;
  /** SIGKILLs every relay still running. */
  killAll(): void;
}

export function relayProcesses(schema: string, namespace: string, logLevel = 'warn'): RelayProcesses {
  const children: ChildProcess[] = [];
  let exitedEarly: string | null = null;
  return {
    start(port, env = {}) {
      const child = spawn(process.execPath, [relayEntry], {
        env: { ...process.env, RELAY_CONTEXT: 'inventory', DB_SCHEMA: schema, NATS_NAMESPACE: namespace, PORT: String(port), LOG_LEVEL: logLevel, ...env },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(child);
      child.once('exit', (code, signal) => {
        if (signal !== 'SIGKILL' && signal !== 'SIGTERM' && code !== 0) exitedEarly = `relay exited with ${signal ?? code}`;
      });
      return child;
    },
    assertNoneExitedEarly() {
      if (exitedEarly) throw new Error(exitedEarly);
    },
    killAll() {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function stopped(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise<void>((r) => {
    child.once('exit', () => r());
    child.kill(signal);
  });
}
