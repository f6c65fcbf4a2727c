import { spawn, type ChildProcess } from 'node:child_process';
import { answers } from '../dependency-check.js';

/** A server `npm start` runs for the system (PostgreSQL, NATS) when none answers already. */
export interface DevServer {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  /** Stops it (SIGTERM, SIGKILL after 15 s) and waits until it is gone. */
  stop(): Promise<void>;
  /** Kills it with SIGKILL (a crash, for drills) and waits until it is gone. */
  kill(): Promise<void>;
}

export interface ServerProcess {
  readonly name: string;
  readonly url: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Ready once it has printed a line matching `readyLine` and accepts connections on this port of 127.0.0.1. */
  readonly port: number;
  readonly readyLine: RegExp;
  /** Where its output lines go. */
  readonly output: (line: string) => void;
  readonly startTimeoutMs?: number;
}

/**
 * Starts a server process in a process group of its own, so that Ctrl-C in the terminal reaches the
 * dev runner only and the server stops after the services that use it, not under them.
 */
export async function startServerProcess(server: ServerProcess): Promise<DevServer> {
  const child = spawn(server.command, [...server.args], {
    env: { ...process.env, ...server.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const recent: string[] = [];
  let saidReady = false;
  const pipe = (chunk: Buffer): void => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.length) continue;
      server.output(line);
      if (server.readyLine.test(line)) saidReady = true;
      recent.push(line);
      if (recent.length > 8) recent.shift();
    }
  };
  child.stdout!.on('data', pipe);
  child.stderr!.on('data', pipe);
  const exited = new Promise<string>((resolve) => {
    child.once('error', (error) => resolve(error.message));
    child.once('exit', (code, signal) => resolve(`exited (${signal ?? code})`));
  });
  const until = Date.now() + (server.startTimeoutMs ?? 120_000);
  let gone: string | undefined;
  void exited.then((why) => (gone = why));
  while (!gone && !(saidReady && (await answers('127.0.0.1', server.port, 500)))) {
    if (Date.now() > until) {
      await stopChild(child);
      throw new Error(`${server.name} did not answer on 127.0.0.1:${server.port} within ${server.startTimeoutMs ?? 120_000} ms: ${recent.join(' | ')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  if (gone) throw new Error(`${server.name} ${gone}: ${recent.join(' | ')}`);
  return { name: server.name, url: server.url, pid: child.pid!, stop: () => stopChild(child), kill: () => killChild(child) };
}

function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    child.once('exit', () => done());
    child.kill('SIGKILL');
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}
