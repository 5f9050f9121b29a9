// Where the CPU went during a measured window: CPU seconds of each process taking part (this process —
// the API and the load —, the worker, the Temporal server, the database's backends), read from /proc.
// On a 2-core machine their sum against 2 × the wall time says whether the machine, not a lock, limits.
import fs from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function cpuSecondsOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) in parentheses: utime is the 14th, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

function cmdlineOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** Processes whose command line holds every one of `needles`. */
export function findPids(...needles: string[]): number[] {
  if (!fs.existsSync('/proc')) return [];
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      const cmd = cmdlineOf(pid);
      return needles.every((n) => cmd.includes(n));
    });
}

/** Busy CPU seconds of the whole machine so far (every core, everything but idle and iowait). */
function machineBusySeconds(): number | undefined {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return (user! + nice! + system! + irq! + softirq! + steal!) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

export type ProcessGroups = Record<string, () => number[]>;

export interface CpuWindow {
  /** CPU seconds per group over the window, and the window's wall seconds. */
  stop(): { wall: number; cpu: Record<string, number> };
}

/** Starts counting. A process that appears during the window counts from its start (its whole CPU time). */
export function cpuWindow(groups: ProcessGroups): CpuWindow {
  const started = performance.now();
  const before = new Map<number, number>();
  const selfBefore = process.cpuUsage();
  const machineBefore = machineBusySeconds();
  for (const pids of Object.values(groups)) for (const pid of pids()) before.set(pid, cpuSecondsOf(pid) ?? 0);
  return {
    stop() {
      const wall = (performance.now() - started) / 1000;
      const self = process.cpuUsage(selfBefore);
      const cpu: Record<string, number> = { 'bench process (API, load)': (self.user + self.system) / 1e6 };
      for (const [name, pids] of Object.entries(groups)) {
        cpu[name] = pids().reduce(
          (sum, pid) => sum + Math.max(0, (cpuSecondsOf(pid) ?? 0) - (before.get(pid) ?? 0)),
          0,
        );
      }
      const machineAfter = machineBusySeconds();
      if (machineBefore !== undefined && machineAfter !== undefined) {
        const ours = Object.values(cpu).reduce((a, b) => a + b, 0);
        // Whatever else ran on the machine meanwhile (other people's builds and tests, the kernel).
        cpu['everything else on the machine'] = Math.max(0, machineAfter - machineBefore - ours);
      }
      return { wall, cpu };
    },
  };
}
