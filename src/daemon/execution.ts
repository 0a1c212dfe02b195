// What a daemon needs to turn a claimed job into processes, and processes
// into a result record: the queue's policy (shell, wrapper, run-as), the
// job's environment, and the terminal state.
import type { ClaimedJob } from '../claim.js';
import { formatJobId } from '../job-id.js';
import { stagesOf } from '../job-spec.js';
import { endedHow, makeResult, type JobResult, type TerminalState } from '../result.js';
import { historyForResult, runsInSpec } from '../attempt-history.js';
import type { RunOutcome, RunRequest } from './runner.js';
import type { QueuePolicy } from './queue-policy.js';
import { resolveIdentity, type Identity } from './identity.js';
import { decideRunAs, type RunAsDecision } from './run-as.js';
import { cleanEnvironment } from './clean-env.js';
import { verifySubmitter } from '../authorized-submitters.js';

/** Thrown when policy forbids a job: it fails with this reason, without running. */
export class RefusedJob extends Error {}

/** Variables every job sees, with or without a wrapper; the job's own --env cannot change them. */
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

/**
 * The processes to start for a job, as whom, with what environment. The
 * daemon's own environment never reaches them, only an allow-listed part of
 * it (clean-env.ts). With a wrapper, the job's --env is kept away from the
 * wrapper: the wrapper gets `/usr/bin/env -- NAME=VALUE… ARGV…` as its
 * arguments, so the variables take effect only for the job's program, after
 * the wrapper has done its work (e.g. dropped privileges).
 */
export function runRequestFor(job: ClaimedJob, policy: QueuePolicy, nodeId: string, killGraceMs: number, daemonUid = process.getuid?.() ?? -1): RunRequest {
  const spec = job.spec!;
  if (spec.shell !== undefined && !policy.allowShell) throw new RefusedJob('shell jobs are not allowed on this queue');
  const identity = identityFor(decideRunAs({ policy, daemonUid, submitter: provenSubmitter(job, policy) }));
  const fixed = jobEnvironment(job, nodeId);
  const own = Object.fromEntries(Object.entries(spec.env ?? {}).filter(([name]) => !(name in fixed)));
  const base = { ...cleanEnvironment(process.env, identity === null), ...(identity ? { USER: identity.user, LOGNAME: identity.user, HOME: identity.home } : {}) };
  const wrap = (argv: string[]) => (policy.wrapper ? [...policy.wrapper, ...envPrefix(own, argv), ...argv] : argv);
  const env = policy.wrapper ? { ...base, ...fixed } : { ...base, ...own, ...fixed };
  const request: RunRequest = { stages: stagesOf(spec).map(wrap), env, cwd: spec.cwd, timeoutMs: spec.timeoutMs, killGraceMs };
  if (spec.stdin !== undefined) request.stdin = Buffer.from(spec.stdin, 'base64');
  if (identity) Object.assign(request, { uid: identity.uid, gid: identity.gid });
  return request;
}

/**
 * With an authorized_submitters file, only a job signed by a listed key runs,
 * and it runs as that key's user; without one, signatures are not looked at.
 * Checked before anything else about the job is trusted.
 */
function provenSubmitter(job: ClaimedJob, policy: QueuePolicy): string | undefined {
  if (!policy.submitters) return undefined;
  const verdict = verifySubmitter(job.specData, job.id, policy.submitters);
  if ('refused' in verdict) throw new RefusedJob(verdict.refused);
  return verdict.user;
}

/** The uid and gid the decision names; null: the daemon's own. Refuses rather than fall back to root. */
function identityFor(decision: RunAsDecision): Identity | null {
  if (decision.kind === 'daemon') return null;
  const user = decision.runAs.user;
  let identity: Identity;
  try {
    identity = resolveIdentity(decision.runAs);
  } catch (err) {
    if (decision.kind === 'run_as') throw new RefusedJob((err as Error).message);
    if (decision.kind === 'submitter') throw new RefusedJob(`the signing key maps to '${user}', which is not an account on this node`);
    throw new RefusedJob(`no run_as for this queue and the job account '${user}' does not exist (useradd --system ${user}, or set run_as); jobs never fall back to root`);
  }
  if (decision.kind === 'job_user' && identity.uid === 0) throw new RefusedJob(`the job account '${user}' is root; only run_as = root runs jobs as root`);
  if (decision.kind === 'submitter' && identity.uid === 0) throw new RefusedJob(`the signing key maps to root ('${user}'); jobs run as root only on queues with run_as = root`);
  return identity;
}

/** `/usr/bin/env -- NAME=VALUE…` in front of a wrapped stage, when the job has variables. */
function envPrefix(own: Record<string, string>, argv: string[]): string[] {
  const pairs = Object.entries(own).map(([name, value]) => `${name}=${value}`);
  if (pairs.length === 0) return [];
  // env would take such a program name for one more variable.
  if (argv[0].includes('=')) throw new RefusedJob(`with a wrapper and --env, the program name must not contain '=': ${argv[0]}`);
  return ['/usr/bin/env', '--', ...pairs];
}

export function resultOfRun(outcome: RunOutcome, nodeId: string, job: ClaimedJob, cancelled: boolean): JobResult {
  const ok = outcome.exitCode === 0 && outcome.signal === null && !outcome.timedOut;
  const state: TerminalState = cancelled ? 'cancelled' : ok ? 'succeeded' : 'failed';
  const { exitCode, signal, startedAt, finishedAt, stdoutTail, stderrTail } = outcome;
  const reason = cancelled ? 'cancelled by request' : outcome.reason;
  const result = makeResult({ state, reason, node: nodeId, attempt: job.attempt, spec: job.spec, exitCode, signal, startedAt, finishedAt, stdoutTail, stderrTail });
  return withHistory(result, job);
}

/** A job that cannot run (bad spec, refused by policy) fails with the reason and without a process. */
export function failedWithoutRun(reason: string, nodeId: string, job: ClaimedJob, state: TerminalState = 'failed'): JobResult {
  return withHistory(makeResult({ state, reason, node: nodeId, attempt: job.attempt, spec: job.spec }), job);
}

/** The attempts before this one, from the spec znode, copied into the result (attempt-history.ts). */
function withHistory(result: JobResult, job: ClaimedJob): JobResult {
  const ended = result.state === 'succeeded' ? 'succeeded' : result.state === 'cancelled' ? 'cancelled' : endedHow(result);
  const history = historyForResult(runsInSpec(job.specData), { ...result, ended });
  return history ? { ...result, history } : result;
}

/** Milliseconds to wait before re-running a failed attempt, or null when no retry is left. */
export function retryDelay(job: ClaimedJob, result: JobResult): number | null {
  const retries = job.spec?.retries ?? 0;
  if (result.state !== 'failed' || job.attempt > retries) return null;
  return (job.spec?.retryDelayMs ?? 10_000) * 2 ** (job.attempt - 1);
}
