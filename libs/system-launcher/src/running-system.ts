import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { DEFAULT_RESTART_POLICY, restartDelay, type RestartPolicy } from './restart-policy.js';
import type { ProcessSpec } from './system-manifest.js';

/** Restarts every process that dies on its own, with backoff; the rest keep running. */
export interface Supervision extends Partial<RestartPolicy> {
  /** A process died and will be started again after `delayMs`. */
  readonly onRestarting?: (name: string, exit: { code: number | null; signal: NodeJS.Signals | null; delayMs: number }) => void;
  /** A restarted process answers `/health/live` again (`live` false: it did not within the start timeout; it is tried again if it dies). */
  readonly onRestarted?: (name: string, live: boolean) => void;
}

export interface LaunchOptions {
  /** Workspace root: where the entry points are. */
  readonly root: string;
  /** Where each process's output lines go; by default prefixed onto this process's stdout/stderr. */
  readonly output?: (name: string, line: string, stream: 'stdout' | 'stderr') => void;
  /** Called when a process exits on its own (not through stop/kill/restart). */
  readonly onUnexpectedExit?: (name: string, code: number | null, signal: NodeJS.Signals | null) => void;
  readonly startTimeoutMs?: number;
  /** Restart processes that die on their own (`npm start`); off by default (tests kill processes on purpose). */
  readonly supervise?: Supervision;
}

const defaultOutput = (name: string, line: string, stream: 'stdout' | 'stderr'): void => {
  (stream === 'stdout' ? process.stdout : process.stderr).write(`[${name}] ${line}\n`);
};

/** Processes of the system: started from their built entry points, stopped gracefully or killed. */
export class RunningSystem {
  private readonly children = new Map<string, ChildProcess>();
  private readonly expectedExit = new Set<string>();
  private readonly startedAt = new Map<string, number>();
  private readonly lastDelay = new Map<string, number>();
  private readonly pendingRestarts = new Map<string, NodeJS.Timeout>();
  private readonly envChanges = new Map<string, Record<string, string>>();
  private stopping = false;

  constructor(
    readonly specs: readonly ProcessSpec[],
    private readonly options: LaunchOptions,
  ) {}

  /** Starts every process and waits until each answers `/health/live`. */
  async start(): Promise<void> {
    for (const spec of this.specs) this.spawn(spec);
    const live = await Promise.all(this.specs.map((spec) => this.waitUntilLive(spec)));
    const down = this.specs.filter((_, i) => !live[i]).map((s) => s.name);
    if (down.length) throw new Error(`not live after ${this.options.startTimeoutMs ?? 30_000} ms: ${down.join(', ')}`);
  }

  spec(name: string): ProcessSpec {
    const spec = this.specs.find((s) => s.name === name);
    if (!spec) throw new Error(`no process named ${name}`);
    return spec;
  }

  url(name: string): string {
    return this.spec(name).url;
  }

  /** Kills a process (SIGKILL by default: a crash) and waits for it to be gone. */
  async kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.children.get(name);
    if (!child) return;
    this.expectedExit.add(name);
    await new Promise<void>((done) => {
      child.once('exit', () => done());
      child.kill(signal);
    });
  }

  /**
   * Starts a process again (after `kill`) and waits until it is live. `env`, when given, changes its
   * environment from now on, replacing the changes of an earlier restart (an empty value unsets a
   * variable for the configuration), e.g. a notifier with a wrong password.
   */
  async restart(name: string, env?: Readonly<Record<string, string>>): Promise<void> {
    await this.kill(name, 'SIGTERM');
    const spec = this.spec(name);
    if (env) this.envChanges.set(name, { ...env });
    this.spawn(spec);
    if (!(await this.waitUntilLive(spec))) throw new Error(`${name} did not come back`);
  }

  /** Stops every process with SIGTERM (SIGKILL after 10 s) and waits for all of them; no restart happens after. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const timer of this.pendingRestarts.values()) clearTimeout(timer);
    this.pendingRestarts.clear();
    const exits = [...this.children.entries()].map(([name, child]) => {
      this.expectedExit.add(name);
      return new Promise<void>((done) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          done();
        });
        child.kill('SIGTERM');
      });
    });
    await Promise.all(exits);
  }

  get running(): string[] {
    return [...this.children.keys()];
  }

  /** The operating-system process id of every running process, by name (read-only; for CPU accounting). */
  pids(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, child] of this.children) if (child.pid !== undefined) out[name] = child.pid;
    return out;
  }

  private spawn(spec: ProcessSpec): void {
    this.expectedExit.delete(spec.name);
    const child = spawn(process.execPath, [resolve(this.options.root, spec.entry)], {
      cwd: this.options.root,
      env: { ...process.env, ...spec.env, ...this.envChanges.get(spec.name) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = this.options.output ?? defaultOutput;
    const pipe = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.length) output(spec.name, line, stream);
    };
    child.stdout!.on('data', pipe('stdout'));
    child.stderr!.on('data', pipe('stderr'));
    child.on('exit', (code, signal) => {
      if (this.children.get(spec.name) === child) this.children.delete(spec.name);
      if (this.expectedExit.has(spec.name)) return;
      this.options.onUnexpectedExit?.(spec.name, code, signal);
      if (this.options.supervise && !this.stopping) this.scheduleRestart(spec, code, signal);
    });
    this.children.set(spec.name, child);
    this.startedAt.set(spec.name, Date.now());
  }

  private scheduleRestart(spec: ProcessSpec, code: number | null, signal: NodeJS.Signals | null): void {
    const supervision = this.options.supervise!;
    const upMs = Date.now() - (this.startedAt.get(spec.name) ?? Date.now());
    const delayMs = restartDelay(this.lastDelay.get(spec.name), upMs, { ...DEFAULT_RESTART_POLICY, ...supervision });
    this.lastDelay.set(spec.name, delayMs);
    supervision.onRestarting?.(spec.name, { code, signal, delayMs });
    const timer = setTimeout(() => {
      this.pendingRestarts.delete(spec.name);
      if (this.stopping) return;
      this.spawn(spec);
      void this.waitUntilLive(spec).then((live) => {
        if (!this.stopping) supervision.onRestarted?.(spec.name, live);
      });
    }, delayMs);
    this.pendingRestarts.set(spec.name, timer);
  }

  private async waitUntilLive(spec: ProcessSpec): Promise<boolean> {
    const until = Date.now() + (this.options.startTimeoutMs ?? 30_000);
    while (Date.now() < until) {
      if (!this.children.has(spec.name)) return false;
      try {
        // Each probe has its own deadline: a process that accepts but never answers must not hold the
        // start past its timeout (a CI run waited 180 s here), it must be reported as not live.
        if ((await fetch(`${spec.url}/health/live`, { signal: AbortSignal.timeout(2_000) })).ok) return true;
      } catch {
        // not listening yet, or no answer within the probe's deadline
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  }
}
