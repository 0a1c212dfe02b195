// What a node's configuration says about running one queue's jobs: shell
// policy, wrapper, run-as identity, mail, limits, output retention. The
// daemon asks for a queue's policy each time it starts a job, so a reload
// (SIGHUP) takes effect for the next job without touching running ones.

export interface RunAs {
  user: string;
  group?: string;
}

export interface QueuePolicy {
  /** Accept `--shell` jobs. Default false: "shell jobs are not allowed on this queue". */
  allowShell: boolean;
  /** Run every job as WRAPPER… ARGV…. Default none. */
  wrapper: string[] | null;
  /** Run jobs as this unprivileged identity. Default: the daemon's own. */
  runAs: RunAs | null;
  /** Mail failed jobs' reports here unless the job names a recipient. Default none. */
  mailTo: string | null;
  /** Keep a finished job's spooled output this long. Default 7 days. */
  retentionMs: number;
}

export const DEFAULT_POLICY: QueuePolicy = {
  allowShell: false,
  wrapper: null,
  runAs: null,
  mailTo: null,
  retentionMs: 7 * 24 * 3_600_000,
};

export type PolicySource = (queue: string) => QueuePolicy;
