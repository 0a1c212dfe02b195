// CPU time of processes, from /proc: where a job's time goes, measured in
// the same run as the rates it explains. Linux reports it in USER_HZ ticks
// of 10 ms, so a figure per job needs a few thousand jobs to mean anything.
import { readdirSync, readFileSync } from 'node:fs';

/** /proc's clock ticks per second (USER_HZ): 100 on every Linux. */
const USER_HZ = 100;

/** The fields of /proc/PID/stat after the command name (which may hold spaces): [0] is the state. */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null; // gone
  }
}

/** User and system CPU of a process, with that of the children it has reaped (its jobs, for a job runner), in ms. */
export function cpuMs(pid: number): number {
  const f = statFields(pid);
  if (!f) throw new Error(`no process ${pid} to measure`);
  return ((Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 1000) / USER_HZ;
}

/** The live children of a process. */
export function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((child) => Number(statFields(child)?.[1]) === pid);
}
