// Whose uid a job runs under: the one decision every job passes through, so
// that "never root by accident" is checked in one place. A daemon that is
// not root cannot switch users and runs jobs as itself (a run_as it cannot
// honour fails at spawn). A root daemon runs a job as root only when the
// queue's policy says `run_as = root` in so many words; without run_as it
// uses the unprivileged job account (`zkjobs`, made by `make install`), and
// when that account is missing the job fails: there is no fallback to root.
//
// Signed specs plug in here: a verified submitter becomes one more input,
// weighed against the policy, and the rest of the daemon does not change.
import type { QueuePolicy, RunAs } from './queue-policy.js';

export interface RunAsInput {
  policy: QueuePolicy;
  /** The daemon's own uid (process.getuid()). */
  daemonUid: number;
  /** The local user of the key that signed the job, verified (authorized-submitters.ts). */
  submitter?: string;
}

export type RunAsDecision =
  /** The daemon's own identity: it is not root, or run_as asks for exactly that. */
  | { kind: 'daemon' }
  /** The queue's run_as, as written (root only when written so). */
  | { kind: 'run_as'; runAs: RunAs }
  /** A root daemon's default: the unprivileged job account, never root. */
  | { kind: 'job_user'; runAs: RunAs }
  /** The proven submitter's account (never root: that takes run_as = root). */
  | { kind: 'submitter'; runAs: RunAs };

/**
 * The queue's run_as wins (a queue of a service account); else a verified
 * submitter runs as their own account, as Slurm runs a job as its munge-proven
 * owner; else a root daemon's job account.
 */
export function decideRunAs({ policy, daemonUid, submitter }: RunAsInput): RunAsDecision {
  if (policy.runAs) return { kind: 'run_as', runAs: policy.runAs };
  if (daemonUid !== 0) return { kind: 'daemon' };
  if (submitter !== undefined) return { kind: 'submitter', runAs: { user: submitter } };
  return { kind: 'job_user', runAs: { user: policy.jobUser } };
}

/** For the start-up log: as whom a queue's jobs run, in words. */
export function describeRunAs(decision: RunAsDecision, daemonUser: string): string {
  if (decision.kind === 'daemon') return `${daemonUser} (the daemon's own user; it is not root)`;
  const who = decision.runAs.group ? `${decision.runAs.user}:${decision.runAs.group}` : decision.runAs.user;
  if (decision.kind === 'submitter') return 'the account each signing key maps to in authorized_submitters';
  return decision.kind === 'run_as' ? `${who} (run_as)` : `${who} (the job account: no run_as, and root only by run_as = root)`;
}
