// Purge removes pending and finished jobs of a queue, never running ones.
// A pending job is removed by first taking its claim ourselves, exactly as a
// daemon would: if that fails, a daemon holds it (running), unless the node
// in the claim's place is persistent, which is no claim and is deleted first
// (stray-claims.ts); once it is ours, no daemon can start it while its spec
// is deleted. Then the claim goes.
import os from 'node:os';
import type { Paths } from './zk/paths.js';
import type { ZkClient } from './zk/client.js';
import { retry } from './zk/retry.js';
import { createEphemeralOnce, deleteIfOwned } from './zk/ephemeral.js';
import { deleteCounted } from './zk/counted-delete.js';
import { newClaimRecord } from './claim.js';
import { lockAclFor } from './fleet-access.js';
import { clearStrayClaim } from './stray-claims.js';
import { IGNORE_FINDINGS } from './finding.js';
import { walkBuckets, type ListedJob } from './job-list.js';
import { findPendingSpec } from './pending-spec.js';
import { formatSeq, type JobId } from './job-id.js';
import { readResult } from './complete.js';
import { TERMINAL_STATES, type JobResult, type TerminalState } from './result.js';
import { pipelined } from './pipeline.js';

/** Removals in flight at once. */
const WINDOW = 256;

export interface PurgeCounts {
  pending: number;
  finished: number;
  skippedRunning: number;
}

/** Which jobs a purge takes: by state (default all but running), and submitted/finished before a time. */
export interface PurgeFilter {
  /** Remove pending jobs. */
  pending: boolean;
  /** Remove finished jobs in these states. */
  finished: readonly TerminalState[];
  /** Only jobs finished (or, pending, submitted) before this time (ms since the epoch). */
  before: number | null;
  /** Count, remove nothing. */
  dryRun: boolean;
}

/** Told the running counts after each job removed (a terminal's progress line). */
export type PurgeProgress = (counts: Readonly<PurgeCounts>) => void;

export const PURGE_ALL: PurgeFilter = { pending: true, finished: TERMINAL_STATES, before: null, dryRun: false };

export async function purgeQueue(zk: ZkClient, paths: Paths, queue: string, filter: PurgeFilter = PURGE_ALL, onProgress: PurgeProgress = () => {}): Promise<PurgeCounts> {
  const counts: PurgeCounts = { pending: 0, finished: 0, skippedRunning: 0 };
  // Reading each result is only needed when the filter looks inside it.
  const readResults = filter.finished.length < TERMINAL_STATES.length || filter.before !== null;
  // Pending specs before results: a finished job whose spec a crash left
  // behind must not lose its result first, or it would become pending again.
  if (filter.pending) {
    const claims = filter.dryRun ? new Set(await retry(() => zk.childrenOrEmpty(paths.claims(queue)))) : new Set<string>();
    const pending = walkBuckets(zk, paths.pending(queue), (b) => paths.pendingBucket(queue, b), queue, 0, true);
    const purgeOne = async (id: ListedJob) => {
      const specPath = paths.pendingIn(queue, id.bucket, id.seq);
      if (filter.before !== null) {
        const stat = await retry(() => zk.exists(specPath));
        if (!stat || stat.ctime.getTime() >= filter.before) return 'kept' as const;
      }
      if (filter.dryRun) return claims.has(formatSeq(id.seq)) ? ('running' as const) : ('removed' as const);
      return removePending(zk, paths, id, specPath);
    };
    for await (const outcome of pipelined(pending, WINDOW, purgeOne)) {
      if (outcome === 'removed') counts.pending++;
      if (outcome === 'running') counts.skippedRunning++;
      if (outcome === 'removed') onProgress(counts);
    }
  }
  if (filter.finished.length > 0) {
    const results = walkBuckets(zk, paths.results(queue), (b) => paths.resultBucket(queue, b), queue);
    const purgeOne = async (id: JobId) => {
      if (readResults && !resultMatches(await readResult(zk, paths, id).catch(() => null), filter)) return false;
      if (filter.dryRun) return true;
      // A spec left behind by a crash goes first, or the job would come back as pending.
      // Deletes only, in that order: safe to run again as a whole.
      await retry(async () => {
        const spec = await findPendingSpec(zk, paths, id);
        if (spec) await zk.deleteIfExists(spec);
      });
      return deleteCounted(zk, paths.result(queue, id.seq));
    };
    for await (const deleted of pipelined(results, WINDOW, purgeOne)) {
      if (deleted) counts.finished++;
      if (deleted) onProgress(counts);
    }
  }
  return counts;
}

function resultMatches(result: JobResult | null, filter: PurgeFilter): boolean {
  if (!result) return false;
  if (!filter.finished.includes(result.state)) return false;
  return filter.before === null || Date.parse(result.finishedAt) < filter.before;
}

/**
 * Take the claim, delete the spec, drop the claim: three operations under
 * the retry policy. A persistent node in the claim's place is no claim
 * (stray-claims.ts): it goes, and the claim is taken.
 */
export async function removePending(zk: ZkClient, paths: Paths, id: JobId, specPath?: string): Promise<'removed' | 'running' | 'gone'> {
  const claim = paths.claim(id.queue, id.seq);
  const record = newClaimRecord(`zkjobq@${os.hostname()}`);
  const take = () => retry(async () => createEphemeralOnce(zk, claim, record, await lockAclFor(zk, paths, id.queue)));
  if (!(await take()) && !((await clearStrayClaim(zk, paths, id, IGNORE_FINDINGS)) && (await take()))) return 'running';
  try {
    const path = specPath ?? (await retry(() => findPendingSpec(zk, paths, id)));
    // While we hold the claim nobody else deletes the spec, so a spec gone
    // on a retried delete went by our own earlier attempt (deleteCounted).
    return path && (await deleteCounted(zk, path)) ? 'removed' : 'gone';
  } finally {
    await retry(() => deleteIfOwned(zk, claim));
  }
}
