import { freePort, RunningSystem } from '@stockflow/system-launcher';
import { TEST_RATE_LIMIT_ENV } from './service-under-test.js';
import { workspaceRoot } from './workspace-root.js';

export { workspaceRoot };

/** One process a test starts from its built entry point. */
export interface TestProcessSpec {
  readonly name: string;
  /** Built entry point, relative to the workspace root. */
  readonly entry: string;
  /** The port it serves `/health/live` on. */
  readonly port: number;
  readonly env: Readonly<Record<string, string>>;
}

/** Processes a test started: each can be killed (a crash) and restarted on its port. */
export interface TestProcesses {
  url(name: string): string;
  /** Everything the process has written to stdout and stderr so far. */
  output(name: string): string;
  /** Sends `signal` (SIGKILL by default: a crash) and waits until the process is gone. */
  kill(name: string, signal?: NodeJS.Signals): Promise<void>;
  /** Starts the process again, with the same environment and port, and waits until it is live. */
  restart(name: string): Promise<void>;
  /** Stops every process (SIGTERM, SIGKILL after 10 s). */
  stop(): Promise<void>;
}

/**
 * Starts the processes through the system launcher (as `npm start` and the system tests do) and waits
 * until each answers `/health/live`. They run in development mode (ADR 0027) and log at `warn` unless
 * their env says otherwise; a start that fails says what the processes wrote.
 */
export async function startTestProcesses(specs: readonly TestProcessSpec[], options: { readonly startTimeoutMs?: number } = {}): Promise<TestProcesses> {
  const outputs = new Map<string, string>();
  const system = new RunningSystem(
    specs.map((spec) => ({ ...spec, url: `http://127.0.0.1:${spec.port}`, env: { STOCKFLOW_ENV: 'development', LOG_LEVEL: 'warn', ...TEST_RATE_LIMIT_ENV, ...spec.env, PORT: String(spec.port) } })),
    {
      root: workspaceRoot,
      output: (name, line) => outputs.set(name, `${outputs.get(name) ?? ''}${line}\n`),
      startTimeoutMs: options.startTimeoutMs ?? 60_000,
    },
  );
  const output = (name: string): string => outputs.get(name) ?? '';
  try {
    await system.start();
  } catch (error) {
    await system.stop();
    throw new Error(`${(error as Error).message}\n${specs.map((s) => `[${s.name}]\n${output(s.name)}`).join('\n')}`);
  }
  return {
    url: (name) => system.url(name),
    output,
    kill: (name, signal = 'SIGKILL') => system.kill(name, signal),
    restart: (name) => system.restart(name),
    stop: () => system.stop(),
  };
}

/** `count` distinct ports that are free now (the system hands them out). */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  return ports;
}

/**
 * Runs `start` with free ports, and again with others when a port was taken between the check and the
 * listen (another run, or an outgoing connection, got there first).
 */
export async function withFreePorts<T>(count: number, start: (ports: number[]) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePorts(count));
    } catch (error) {
      const clash = (error as { code?: string }).code === 'EADDRINUSE' || /EADDRINUSE/.test((error as Error).message);
      if (!clash || attempt >= attempts) throw error;
    }
  }
}
