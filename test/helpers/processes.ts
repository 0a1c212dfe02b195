// The process table, read from /proc: which processes carry a job's id in
// their environment (every job process does, see daemon/execution.ts).
import { readdirSync, readFileSync } from 'node:fs';

export function processesOfJob(jobId: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0');
      if (env.includes(`ZKJOBS_JOB_ID=${jobId}`)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}
