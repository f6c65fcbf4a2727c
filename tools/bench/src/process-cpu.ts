// CPU time per process from /proc (Linux): utime + stime of each process, the machine's busy time
// from /proc/stat, turned into shares of the whole machine (all cores) over an interval.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';

const ticksPerSecond = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();
export const cores = cpus().length;

/** utime + stime of a process in clock ticks, or null when it is gone. */
function processTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

/** Pids of every process whose command name is `comm` (PostgreSQL's backends, the NATS server). */
function pidsNamed(comm: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

/** Busy (non-idle, non-iowait) and total ticks of the machine. */
function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - values[3]! - values[4]!, total };
}

export interface CpuSnapshot {
  readonly at: number;
  /** Ticks per group name; a group sums the processes it names. */
  readonly groups: Map<string, number>;
  readonly machine: { busy: number; total: number };
}

export interface CpuShares {
  readonly seconds: number;
  /** % of the whole machine (all cores) per process group, highest first. */
  readonly byProcess: { name: string; percent: number }[];
  /** % of the machine busy in the interval, and the part no listed process accounts for. */
  readonly machineBusyPercent: number;
  readonly otherPercent: number;
}

/**
 * Samples the CPU time of named processes: the system's children (by pid), this load generator,
 * and every PostgreSQL and NATS server process (by command name, re-read each sample since
 * PostgreSQL starts a process per connection).
 */
export class CpuSampler {
  constructor(
    private readonly pids: () => Record<string, number>,
    private readonly external: Record<string, string> = { postgresql: 'postgres', 'nats-server': 'nats-server' },
  ) {}

  snapshot(): CpuSnapshot {
    const groups = new Map<string, number>();
    for (const [name, pid] of Object.entries({ ...this.pids(), 'load generator (bench)': process.pid })) {
      const ticks = processTicks(pid);
      if (ticks !== null) groups.set(name, ticks);
    }
    for (const [name, comm] of Object.entries(this.external)) {
      let sum = 0;
      let any = false;
      for (const pid of pidsNamed(comm)) {
        const ticks = processTicks(pid);
        if (ticks !== null) {
          sum += ticks;
          any = true;
        }
      }
      if (any) groups.set(name, sum);
    }
    return { at: Date.now(), groups, machine: machineTicks() };
  }

  /** CPU time (µs) each process group used between two snapshots (processes that ended in between are not counted). */
  static micros(before: CpuSnapshot, after: CpuSnapshot): Map<string, number> {
    const used = new Map<string, number>();
    for (const [name, ticks] of after.groups) used.set(name, (Math.max(0, ticks - (before.groups.get(name) ?? ticks)) * 1e6) / ticksPerSecond);
    return used;
  }

  /** Shares between two snapshots. Processes that ended in between (PostgreSQL backends) are not counted. */
  static shares(before: CpuSnapshot, after: CpuSnapshot): CpuShares {
    const seconds = (after.at - before.at) / 1000;
    const capacity = seconds * ticksPerSecond * cores;
    const byProcess = [...after.groups]
      .map(([name, ticks]) => ({ name, percent: round1((Math.max(0, ticks - (before.groups.get(name) ?? ticks)) / capacity) * 100) }))
      .sort((a, b) => b.percent - a.percent);
    const machineTotal = after.machine.total - before.machine.total;
    const machineBusyPercent = machineTotal > 0 ? round1(((after.machine.busy - before.machine.busy) / machineTotal) * 100) : 0;
    const listed = byProcess.reduce((a, p) => a + p.percent, 0);
    return { seconds, byProcess, machineBusyPercent, otherPercent: round1(Math.max(0, machineBusyPercent - listed)) };
  }
}

const round1 = (n: number): number => Math.round(n * 10) / 10;
