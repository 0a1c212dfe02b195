// The process table, read from /proc: which processes carry a job's id in
// their environment (every job process does, see daemon/execution.ts).
import { readdirSync, readFileSync } from 'node:fs';

/**
 * The processes of job `jobId` started by the daemon `daemonPid`. The id
 * alone is not enough: tests running beside this one have jobs of the same
 * id under their own roots (default/0000000001 in each), started by their
 * own daemons, and ZKJOBS_DAEMON_PID tells them apart.
 */
export function processesOfJob(jobId: string, daemonPid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0');
      if (env.includes(`ZKJOBS_JOB_ID=${jobId}`) && env.includes(`ZKJOBS_DAEMON_PID=${daemonPid}`)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}
