// Helpers for the customer-journey system test: which OS processes belong to a test run (found in
// /proc by the namespace in their environment, since RunningSystem does not expose pids), which TCP
// ports they listen on, and whether a port can be bound again.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { SINKS, type ProcessSpec } from '@stockflow/system-launcher';

export interface RunProcess {
  readonly pid: number;
  /** Parent pid (from /proc/<pid>/stat). */
  readonly ppid: number;
  /** The manifest name, matched by the PORT in the process's environment (undefined: no match). */
  readonly name: string | undefined;
}

function environment(pid: number): Map<string, string> | null {
  try {
    const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    const env = new Map<string, string>();
    for (const entry of entries) {
      const at = entry.indexOf('=');
      if (at > 0) env.set(entry.slice(0, at), entry.slice(at + 1));
    }
    return env;
  } catch {
    return null; // gone meanwhile, or not ours to read
  }
}

function parentOf(pid: number): number {
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** Every live process whose environment carries `NATS_NAMESPACE=<namespace>` (zombies excluded). */
export function processesOfRun(namespace: string, specs: readonly ProcessSpec[]): RunProcess[] {
  const found: RunProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const env = environment(pid);
    if (env?.get('NATS_NAMESPACE') !== namespace) continue;
    try {
      const ppid = parentOf(pid);
      if (isZombie(pid)) continue;
      found.push({ pid, ppid, name: specs.find((s) => String(s.port) === env.get('PORT'))?.name });
    } catch {
      // exited between the two reads
    }
  }
  return found.sort((a, b) => a.pid - b.pid);
}

function isZombie(pid: number): boolean {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}

/** Live child processes of `parent` with their command lines (arguments joined by spaces). */
export function childrenOf(parent: number): { pid: number; command: string }[] {
  const children: { pid: number; command: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      if (parentOf(pid) !== parent || isZombie(pid)) continue;
      children.push({ pid, command: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim() });
    } catch {
      // exited meanwhile
    }
  }
  return children;
}

/** True while /proc has the pid and it is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    return !isZombie(pid);
  } catch {
    return false;
  }
}

/** Every port a spec's process listens on: its HTTP port, and for the mail sink also its SMTP port. */
export function portsOf(spec: ProcessSpec): number[] {
  const smtp = spec.name === SINKS[0].name ? [Number(spec.env['SMTP_PORT'])] : [];
  return [spec.port, ...smtp];
}

/** Socket inode → local port of every TCP socket in LISTEN state (IPv4 and IPv6). */
function listeningSockets(): Map<string, number> {
  const sockets = new Map<string, number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.trim().split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      if (fields[3] !== '0A') continue;
      sockets.set(fields[9]!, parseInt(fields[1]!.split(':')[1]!, 16));
    }
  }
  return sockets;
}

/** The TCP ports a process listens on, from its socket file descriptors. */
export function listeningPortsOf(pid: number): number[] {
  const sockets = listeningSockets();
  const ports = new Set<number>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  for (const fd of fds) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      const port = inode === undefined ? undefined : sockets.get(inode);
      if (port !== undefined) ports.add(port);
    } catch {
      // fd closed meanwhile
    }
  }
  return [...ports].sort((a, b) => a - b);
}

/** Of `ports`, those some socket on this machine (any process) still listens on. */
export function stillListening(ports: readonly number[]): number[] {
  const listening = new Set(listeningSockets().values());
  return ports.filter((p) => listening.has(p));
}

/** Whether this process can listen on 127.0.0.1:<port> right now (it closes it again at once). */
export function canBind(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => done(true)));
  });
}
