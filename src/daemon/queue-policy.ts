// What a node's configuration says about running one queue's jobs: shell
// policy, wrapper, run-as identity and job account, mail, limits, output retention. The
// daemon asks for a queue's policy each time it starts a job, so a reload
// (SIGHUP) takes effect for the next job without touching running ones.

import type { AuthorizedSubmitters } from '../authorized-submitters.js';

/** The account a root daemon runs jobs as when their queue sets no run_as; `make install` creates it. */
export const DEFAULT_JOB_USER = 'zkjobs';

export interface RunAs {
  user: string;
  group?: string;
}

export interface QueuePolicy {
  /** Accept `--shell` jobs. Default false: "shell jobs are not allowed on this queue". */
  allowShell: boolean;
  /** Run every job as WRAPPER… ARGV…. Default none. */
  wrapper: string[] | null;
  /**
   * Run jobs as this identity; root only when it says root. Default: a root
   * daemon uses jobUser, any other daemon its own user (see run-as.ts).
   */
  runAs: RunAs | null;
  /** The unprivileged account of a root daemon's jobs when run_as is not set. Default zkjobs. */
  jobUser: string;
  /** Mail failed jobs' reports here unless the job names a recipient. Default none. */
  mailTo: string | null;
  /** Keep a finished job's spooled output this long. Default 7 days. */
  retentionMs: number;
  /**
   * Keys whose signed jobs run here, each as its user (authorized_submitters).
   * Default null: no file, jobs are not checked for a signature (run-as.ts).
   */
  submitters: AuthorizedSubmitters | null;
}

export const DEFAULT_POLICY: QueuePolicy = {
  allowShell: false,
  wrapper: null,
  runAs: null,
  jobUser: DEFAULT_JOB_USER,
  mailTo: null,
  retentionMs: 7 * 24 * 3_600_000,
  submitters: null,
};

export type PolicySource = (queue: string) => QueuePolicy;
