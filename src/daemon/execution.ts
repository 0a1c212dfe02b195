// What a daemon needs to turn a claimed job into processes, and processes
// into a result record: the queue's policy (shell, wrapper, run-as), the
// job's environment, and the terminal state.
import type { ClaimedJob } from '../claim.js';
import { formatJobId } from '../job-id.js';
import { stagesOf } from '../job-spec.js';
import { makeResult, type JobResult, type TerminalState } from '../result.js';
import type { RunOutcome, RunRequest } from './runner.js';
import type { QueuePolicy } from './queue-policy.js';
import { resolveIdentity } from './identity.js';

/** Thrown when policy forbids a job: it fails with this reason, without running. */
export class RefusedJob extends Error {}

/** Variables every job sees, with or without a wrapper. */
export function jobEnvironment(job: ClaimedJob, nodeId: string): Record<string, string> {
  return {
    ZKJOBS_JOB_ID: formatJobId(job.id),
    ZKJOBS_QUEUE: job.id.queue,
    ZKJOBS_SEQ: String(job.id.seq),
    ZKJOBS_ATTEMPT: String(job.attempt),
    ZKJOBS_NODE: nodeId,
    ZKJOBS_DAEMON_PID: String(process.pid),
    ...(job.spec?.name ? { ZKJOBS_JOB_NAME: job.spec.name } : {}),
  };
}

export function runRequestFor(job: ClaimedJob, policy: QueuePolicy, nodeId: string, killGraceMs: number): RunRequest {
  const spec = job.spec!;
  if (spec.shell !== undefined && !policy.allowShell) throw new RefusedJob('shell jobs are not allowed on this queue');
  const stages = stagesOf(spec).map((argv) => (policy.wrapper ? [...policy.wrapper, ...argv] : argv));
  const env: Record<string, string> = { ...(process.env as Record<string, string>), ...spec.env, ...jobEnvironment(job, nodeId) };
  const request: RunRequest = { stages, env, cwd: spec.cwd, timeoutMs: spec.timeoutMs, killGraceMs };
  if (spec.stdin !== undefined) request.stdin = Buffer.from(spec.stdin, 'base64');
  if (policy.runAs) {
    let identity;
    try {
      identity = resolveIdentity(policy.runAs);
    } catch (err) {
      throw new RefusedJob((err as Error).message);
    }
    Object.assign(request, { uid: identity.uid, gid: identity.gid });
    Object.assign(env, { USER: identity.user, LOGNAME: identity.user, HOME: identity.home });
  }
  return request;
}

export function resultOfRun(outcome: RunOutcome, nodeId: string, job: ClaimedJob, cancelled: boolean): JobResult {
  const ok = outcome.exitCode === 0 && outcome.signal === null && !outcome.timedOut;
  const state: TerminalState = cancelled ? 'cancelled' : ok ? 'succeeded' : 'failed';
  const { exitCode, signal, startedAt, finishedAt, stdoutTail, stderrTail } = outcome;
  const reason = cancelled ? 'cancelled by request' : outcome.reason;
  return makeResult({ state, reason, node: nodeId, attempt: job.attempt, spec: job.spec, exitCode, signal, startedAt, finishedAt, stdoutTail, stderrTail });
}

/** A job that cannot run (bad spec, refused by policy) fails with the reason and without a process. */
export function failedWithoutRun(reason: string, nodeId: string, job: ClaimedJob, state: TerminalState = 'failed'): JobResult {
  return makeResult({ state, reason, node: nodeId, attempt: job.attempt, spec: job.spec });
}

/** Milliseconds to wait before re-running a failed attempt, or null when no retry is left. */
export function retryDelay(job: ClaimedJob, result: JobResult): number | null {
  const retries = job.spec?.retries ?? 0;
  if (result.state !== 'failed' || job.attempt > retries) return null;
  return (job.spec?.retryDelayMs ?? 10_000) * 2 ** (job.attempt - 1);
}
