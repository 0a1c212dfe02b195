// Why a pending job has not started: Slurm's REASON column. A reason is
// worked out from what a listing reads anyway plus a few reads per queue
// (queue-situation.ts: the config, the run slots held, the live node
// records), never from a read per job, so `zkjobq list` of N jobs costs
// what it did.
//
// The rules are a list, tried in order; the first that has something to
// say wins. A feature that can keep a job waiting (placement tags, a
// dependency) adds its rule to the list rather than editing the others:
// its rule sees the job and the queue's situation, including every live
// node record that serves the queue.
import { markStartedAhead, type JobStatus } from './status.js';
import type { QueueSituation } from './queue-situation.js';
import { requirementsOf } from './job-spec.js';
import { isUnconstrained, whyNoNode } from './placement.js';

export interface PendingJob {
  status: JobStatus;
  /** Unclaimed jobs of the queue ahead of this one, when the caller counted them (a listing does); null otherwise. */
  ahead: number | null;
}

/** A reason for `job` to wait, or null when this rule has none. */
export type ReasonRule = (job: PendingJob, queue: QueueSituation, now: Date) => string | null;

/** Local wall-clock time, as an operator reads it next to `date`. */
export function clockTime(at: Date): string {
  return at.toTimeString().slice(0, 8);
}

const held: ReasonRule = ({ status }) => (status.held ? `held (zkjobq release ${status.id} lets it run)` : null);

const paused: ReasonRule = (_job, q) => {
  if (q.config.problem) return `queue config unreadable, served as paused (${q.config.problem})`;
  return q.config.paused ? `queue paused (zkjobq resume ${q.queue})` : null;
};

/** A failed attempt waiting to run again keeps its claim (daemon/job-table.ts); the claim says until when. */
const retryBackoff: ReasonRule = ({ status }, _q, now) => {
  const until = status.claim?.retryAt ? new Date(status.claim.retryAt) : null;
  if (!until || Number.isNaN(until.getTime()) || until <= now) return null;
  const failed = status.claim?.lastExit ? `attempt ${status.attempt} ${status.claim.lastExit}; ` : '';
  return `${failed}retry back-off until ${clockTime(until)} on ${status.claim?.node}`;
};

/** Claimed ahead of need by a busy node (daemon/claimed-ahead.ts): it starts there when a slot frees. */
const claimedAhead: ReasonRule = ({ status }) => (status.claim?.ahead ? `claimed ahead by ${status.claim.node}; starts when a slot frees there` : null);

const noLiveNode: ReasonRule = (_job, q) => {
  if (q.servers.length === 0) return `no live node serves queue ${q.queue} (start a zkjobd with --queue ${q.queue})`;
  if (q.servers.every((s) => s.draining)) return `every node serving queue ${q.queue} is drained (zkjobq undrain NODE)`;
  return null;
};

/**
 * A job whose requirements (placement.ts) no live node serving the queue
 * meets: "no live node has tags gpu", "… has 4 slots", "… has 64G of memory".
 * An --every-node copy requires node=ID, so a copy whose node is gone says so.
 */
const noEligibleNode: ReasonRule = ({ status }, q) => {
  if (!status.spec) return null;
  let requirements;
  try {
    requirements = requirementsOf(status.spec);
  } catch {
    return null;
  }
  if (isUnconstrained(requirements)) return null;
  const offers = q.servers.filter((s) => !s.draining).map((s) => ({ tags: s.record.tags ?? [], slots: s.record.slots, memTotal: s.record.memTotal }));
  return whyNoNode(requirements, offers);
};

const queueLimit: ReasonRule = (_job, q) => {
  const limit = q.config.maxRunning;
  return limit !== null && q.slotsHeld >= limit ? `queue limit reached (${q.slotsHeld} of max ${limit} running)` : null;
};

const freeSlot: ReasonRule = ({ ahead }, q) => {
  const free = freeSlots(q);
  if (free === 0) return 'waiting for a free slot';
  if (ahead !== null && ahead >= free) return `waiting for a free slot (${ahead} jobs ahead)`;
  return `about to start (${free} slot${free === 1 ? '' : 's'} free)`;
};

/** Free slots on the live nodes that serve the queue and are not drained. */
export function freeSlots(q: QueueSituation): number {
  return q.servers.filter((s) => !s.draining).reduce((n, s) => n + Math.max(0, s.record.slots - s.record.running.length), 0);
}

/**
 * The rules in the order they are tried: what an operator can act on first
 * (a hold, a pause), then what the cluster lacks. Add a rule by splicing it
 * in before `freeSlot`, the catch-all.
 */
export const REASON_RULES: ReasonRule[] = [held, paused, retryBackoff, claimedAhead, noLiveNode, noEligibleNode, queueLimit, freeSlot];

export function pendingReason(job: PendingJob, queue: QueueSituation, now = new Date(), rules: readonly ReasonRule[] = REASON_RULES): string {
  for (const rule of rules) {
    const reason = rule(job, queue, now);
    if (reason !== null) return reason;
  }
  return 'waiting';
}

/**
 * Fill in `reason` of every pending job of one queue, given in job order:
 * each unclaimed job counts as ahead of the ones after it.
 */
export function explainPending(jobs: JobStatus[], queue: QueueSituation, now = new Date(), counted = true): void {
  let ahead = 0;
  for (const status of jobs) {
    // A job claimed ahead that its node lists as running has started (status.ts).
    if (status.claim?.ahead) markStartedAhead(status, queue.servers.find((s) => s.id === status.claim!.node)?.record ?? null);
    if (status.state !== 'pending') continue;
    status.reason = pendingReason({ status, ahead: counted ? ahead : null }, queue, now);
    if (!status.claim && !status.held) ahead++;
  }
}
