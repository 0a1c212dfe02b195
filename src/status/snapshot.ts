// What the status page and its JSON API serve: one snapshot of the cluster,
// built by cluster-view.ts. Field names are the API's (zkjobq(8), STATUS PAGE).
import type { NodeRecord } from '../node-record.js';
import type { Activity } from '../activity.js';
import type { JobResult } from '../result.js';

export interface JobBrief {
  id: string;
  command: string;
  name: string | null;
  /** When it was submitted (the spec znode's ctime). */
  createdAt: string;
  /** Why the spec could not be read, if it could not. */
  problem: string | null;
}

export interface QueueSummary {
  queue: string;
  paused: boolean;
  maxRunning: number | null;
  /** Not started, held ones apart. */
  pending: number;
  /** Held by an operator (zkjobq hold): not started until released. */
  held: number;
  running: number;
  /** Results kept (until purged). */
  finished: number;
  /** Seconds since the oldest pending job was submitted, or null. */
  oldestPendingAge: number | null;
  /** The oldest pending jobs, oldest first; never a held one. */
  head: JobBrief[];
}

export interface NodeSummary {
  id: string;
  /** Listed nodes are live: their ephemeral record exists. */
  live: boolean;
  record: NodeRecord | null;
  /** Why the record could not be read, if it could not. */
  error: string | null;
}

export interface RunningJob {
  id: string;
  node: string;
  /** When the claim was made. */
  since: string;
  command: string;
  name: string | null;
}

/** A finished job as the page shows it: its result's fields, with the spec's command and name. */
export interface FinishedJob extends Pick<JobResult, 'state' | 'exitCode' | 'signal' | 'reason' | 'node' | 'attempt' | 'startedAt' | 'finishedAt'> {
  id: string;
  command: string;
  name: string | null;
  /** The last part of the result's stderr tail. */
  stderrTail: string;
}

export interface ClusterSnapshot {
  /** When it was read. */
  at: string;
  root: string;
  queues: QueueSummary[];
  nodes: NodeSummary[];
  running: RunningJob[];
  /** Newest finished jobs first. */
  recent: FinishedJob[];
  /** Newest failed jobs first. */
  failures: FinishedJob[];
  /** Jobs started and finished per minute over the last hour, summed over the live nodes' records. */
  activity: Activity;
  /** ZooKeeper requests this snapshot cost, and how long it took. */
  cost: { reads: number; ms: number };
  /** Set when the last refresh failed (ZooKeeper unreachable…): the rest is the last good read. */
  problem: string | null;
}
