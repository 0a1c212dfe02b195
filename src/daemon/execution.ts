// What a daemon needs to turn a claimed job into a process and a process's
// end into a result record.
import type { ClaimedJob } from '../claim.js';
import { formatJobId } from '../job-id.js';
import type { JobResult } from '../result.js';
import type { RunOutcome } from './runner.js';

/** Variables every job sees, with or without a wrapper. */
export function jobEnvironment(job: ClaimedJob, nodeId: string): Record<string, string> {
  return {
    ZKJOBS_JOB_ID: formatJobId(job.id),
    ZKJOBS_QUEUE: job.id.queue,
    ZKJOBS_SEQ: String(job.id.seq),
    ZKJOBS_ATTEMPT: String(job.attempt),
    ZKJOBS_NODE: nodeId,
    ZKJOBS_DAEMON_PID: String(process.pid),
  };
}

export function resultOfRun(outcome: RunOutcome, nodeId: string, job: ClaimedJob): JobResult {
  return {
    state: outcome.exitCode === 0 && outcome.signal === null ? 'succeeded' : 'failed',
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    reason: outcome.reason,
    node: nodeId,
    attempt: job.attempt,
    startedAt: outcome.startedAt,
    finishedAt: outcome.finishedAt,
    stdoutTail: outcome.stdoutTail,
    stderrTail: outcome.stderrTail,
    spec: job.spec,
  };
}

/** A job that cannot run (bad spec) fails with the reason and without a process. */
export function failedWithoutRun(reason: string, nodeId: string, attempt: number): JobResult {
  return {
    state: 'failed',
    exitCode: null,
    signal: null,
    reason,
    node: nodeId,
    attempt,
    startedAt: null,
    finishedAt: new Date().toISOString(),
    stdoutTail: '',
    stderrTail: '',
    spec: null,
  };
}
