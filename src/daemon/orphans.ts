// Jobs run in their own process groups, so a daemon killed with SIGKILL
// leaves them running (outside systemd, which would kill its cgroup). Their
// claims died with the daemon's session and their results can never be
// published, so a daemon starting under the same node id kills the groups
// its previous incarnation left: found by the job variables in their
// environment, and only group leaders, which is how jobs are started.
//
// Only jobs whose daemon (ZKJOBS_DAEMON_PID) is gone are orphans. A second
// zkjobd under the same node id on this host (another root, another
// cluster, or a mistake) is alive: its jobs are its own, and killing them
// would fail jobs that hold valid claims. A recorded pid that now belongs
// to some other program counts as gone.
import { readdirSync, readFileSync } from 'node:fs';

/** Process-group ids of job processes started for `nodeId` by another daemon process. */
export function findOrphanGroups(nodeId: string, ownPid = process.pid): number[] {
  const groups: number[] = [];
  for (const entry of safeReaddir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === ownPid) continue;
    const env = readEnviron(pid);
    if (env.get('ZKJOBS_NODE') !== nodeId || !env.has('ZKJOBS_JOB_ID')) continue;
    if (env.get('ZKJOBS_DAEMON_PID') === String(ownPid)) continue;
    if (daemonAlive(Number(env.get('ZKJOBS_DAEMON_PID')))) continue;
    if (processGroupOf(pid) === pid) groups.push(pid);
  }
  return groups;
}

/**
 * Process groups of this daemon's own jobs named in `jobIds` (their
 * ZKJOBS_JOB_ID), any member counting: how the daemon finds the processes
 * of a job runner that died before it could say, or before it said, their pids.
 */
export function findJobGroups(jobIds: ReadonlySet<string>, daemonPid = process.pid): number[] {
  const groups = new Set<number>();
  for (const entry of safeReaddir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === daemonPid) continue;
    const env = readEnviron(pid);
    if (env.get('ZKJOBS_DAEMON_PID') !== String(daemonPid) || !jobIds.has(env.get('ZKJOBS_JOB_ID') ?? '')) continue;
    const group = processGroupOf(pid);
    if (group !== null && group > 1) groups.add(group);
  }
  return [...groups];
}

export function killGroups(groups: number[]): void {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function readEnviron(pid: number): Map<string, string> {
  const env = new Map<string, string>();
  try {
    for (const pair of readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0')) {
      const eq = pair.indexOf('=');
      if (eq > 0) env.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  } catch {
    // Gone, or not ours to read.
  }
  return env;
}

/** A live process running zkjobd (by its command line). */
function daemonAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('zkjobd');
  } catch {
    return false;
  }
}

/** The fifth field of /proc/PID/stat, after the parenthesised command name. */
function processGroupOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[2]);
  } catch {
    return null;
  }
}
