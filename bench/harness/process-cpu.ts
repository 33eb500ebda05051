import { execSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of the processes on this machine, by group, between two readings of /proc (Linux
 * only). The groups: postgres (every PostgreSQL process), kafka (the broker's JVM), each Restock
 * service run as a child process, bench (this process: the load generator and reader, and the
 * services when they run in-process) and other. A rate on a shared machine swings with what else
 * runs; the CPU a fixed amount of work took swings much less, and says where it went.
 */
export type CpuByGroup = ReadonlyMap<string, number>;

interface ProcessCpu {
  readonly group: string;
  readonly seconds: number;
}

const SERVICE_ENTRY = /apps\/([a-z-]+)\/src\/main\.ts/;

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execSync('getconf CLK_TCK', { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

function groupOf(pid: number, comm: string, cmdline: string): string {
  if (pid === process.pid) return 'bench';
  if (comm.startsWith('postgres') || cmdline.startsWith('postgres:')) return 'postgres';
  if (comm === 'java' && cmdline.includes('kafka')) return 'kafka';
  const service = SERVICE_ENTRY.exec(cmdline);
  if (service) return service[1]!;
  return 'other';
}

function readProcesses(): Map<number, ProcessCpu> | null {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  const ticks = clockTicks();
  const processes = new Map<number, ProcessCpu>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // The command name is in parentheses and may hold spaces; the fields after it are numbered from 3.
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      const seconds = (Number(fields[11]) + Number(fields[12])) / ticks;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      processes.set(pid, { group: groupOf(pid, comm, cmdline), seconds });
    } catch {
      // Gone between the listing and the read.
    }
  }
  return processes;
}

/** Starts a reading; `stop` answers the CPU seconds each group used since, or null without /proc. */
export function measureCpu(): { stop(): CpuByGroup | null } {
  const before = readProcesses();
  return {
    stop() {
      const after = readProcesses();
      if (before === null || after === null) return null;
      const groups = new Map<string, number>();
      for (const [pid, now] of after) {
        // A process started in between counts whole; one that ended in between is not seen.
        const used = now.seconds - (before.get(pid)?.seconds ?? 0);
        if (used > 0) groups.set(now.group, (groups.get(now.group) ?? 0) + used);
      }
      return groups;
    },
  };
}

/** The total over every group. */
export function totalCpu(groups: CpuByGroup): number {
  let total = 0;
  for (const seconds of groups.values()) total += seconds;
  return total;
}
