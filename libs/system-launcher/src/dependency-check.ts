import { Socket } from 'node:net';

export interface Dependency {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** What to run when it does not answer (Debian packages, as on the project's machines). */
  readonly howToStart: string;
}

export function hostPort(url: string, defaultPort: number): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname || '127.0.0.1', port: Number(parsed.port) || defaultPort };
}

/** True when something accepts a TCP connection on host:port within the timeout. */
export function answers(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

export async function missingDependencies(dependencies: readonly Dependency[]): Promise<Dependency[]> {
  const results = await Promise.all(dependencies.map((d) => answers(d.host, d.port)));
  return dependencies.filter((_, i) => !results[i]);
}
