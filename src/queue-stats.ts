// Counts for `zkjobq stat` without reading every job: bucket znodes' child
// counts give pending and finished totals, the claims list gives what runs
// where, and only the oldest pending spec is read for its age. Held jobs
// (hold.ts) are counted from their buckets' names apart from the pending
// ones, and left out of the oldest age: a held job waits on purpose.
import { parsePendingBucket, type Paths } from './zk/paths.js';
import type { ZkClient } from './zk/client.js';
import { retry } from './zk/retry.js';
import { isEphemeral } from './zk/ephemeral.js';
import { parseSeq } from './job-id.js';
import { parseClaimRecord } from './claim.js';
import type { ServedQueueConfig } from './queue.js';

export interface QueueStats {
  queue: string;
  paused: boolean;
  /** Why the queue's config could not be read (it is then served as paused), or null. */
  configProblem: string | null;
  /** The cluster-wide limit of running jobs, or null. */
  maxRunning: number | null;
  /** Not yet started (pending znodes without a claim), held ones apart. */
  pending: number;
  /** Held by an operator (zkjobq hold): pending, but started only once released. */
  held: number;
  running: number;
  finished: number;
  /** Seconds since the oldest pending job was submitted, or null. */
  oldestPendingAge: number | null;
  runningPerNode: Record<string, number>;
  /** The queue has its counter: false while a delete is under way or was cut short (run it again). */
  complete: boolean;
}

interface Counted {
  total: number;
  /** Of which in held buckets (pending/ only). */
  held: number;
  /** The oldest bucket with children, held ones left out. */
  first: string | null;
}

async function childCount(zk: ZkClient, parent: string, bucket: (b: string) => string, pending = false): Promise<Counted> {
  const buckets = (await zk.childrenOrEmpty(parent)).sort();
  const stats = await Promise.all(buckets.map((b) => zk.exists(bucket(b))));
  const isHeld = buckets.map((b) => pending && parsePendingBucket(b)?.requirements.held === true);
  const firstIndex = stats.findIndex((s, i) => (s?.numChildren ?? 0) > 0 && !isHeld[i]);
  const sum = (keep: (i: number) => boolean) => stats.reduce((n, s, i) => n + (keep(i) ? s?.numChildren ?? 0 : 0), 0);
  return { total: sum(() => true), held: sum((i) => isHeld[i]), first: firstIndex >= 0 ? buckets[firstIndex] : null };
}

/** Only reads: one operation under the retry policy. */
export function queueStats(zk: ZkClient, paths: Paths, queue: string, config: ServedQueueConfig): Promise<QueueStats> {
  return retry(() => readStats(zk, paths, queue, config));
}

async function readStats(zk: ZkClient, paths: Paths, queue: string, config: ServedQueueConfig): Promise<QueueStats> {
  const unfinished = await childCount(zk, paths.pending(queue), (b) => paths.pendingBucket(queue, b), true);
  const finished = await childCount(zk, paths.results(queue), (b) => paths.resultBucket(queue, b));
  const claims = await zk.childrenOrEmpty(paths.claims(queue));
  const runningPerNode: Record<string, number> = {};
  for (const name of claims) {
    const seq = parseSeq(name);
    const claim = seq === null ? null : await zk.getOrNull(paths.claim(queue, seq));
    // A persistent node is not a claim (stray-claims.ts): nothing runs that job.
    if (!claim || !isEphemeral(claim.stat)) continue;
    let node = '?';
    try {
      node = parseClaimRecord(claim.data).node;
    } catch {
      // Counted under "?".
    }
    runningPerNode[node] = (runningPerNode[node] ?? 0) + 1;
  }
  const running = Object.values(runningPerNode).reduce((a, b) => a + b, 0);
  return {
    queue,
    paused: config.paused,
    configProblem: config.problem,
    maxRunning: config.maxRunning,
    pending: Math.max(0, unfinished.total - unfinished.held - running),
    held: unfinished.held,
    running,
    finished: finished.total,
    oldestPendingAge: await oldestAge(zk, paths, queue, unfinished.first, new Set(claims)),
    runningPerNode,
    complete: (await zk.exists(paths.counter(queue))) !== null,
  };
}

/** Age of the first unclaimed job in the oldest non-empty bucket (one bucket listing, one stat). */
async function oldestAge(zk: ZkClient, paths: Paths, queue: string, bucket: string | null, claimed: Set<string>): Promise<number | null> {
  if (!bucket) return null;
  const names = (await zk.childrenOrEmpty(paths.pendingBucket(queue, bucket))).sort();
  const first = names.find((n) => !claimed.has(n));
  const seq = first ? parseSeq(first) : null;
  if (seq === null) return null;
  const stat = await zk.exists(paths.pendingIn(queue, bucket, seq));
  return stat ? Math.max(0, Math.round((Date.now() - stat.ctime.getTime()) / 1000)) : null;
}
