// Listing a queue's jobs for operators, in job order. It walks the buckets
// one at a time, so no single reply grows with the queue, and stops after
// `limit` jobs so that listing a deep queue is paginated, not a memory blow-up.
import type { Paths } from './zk/paths.js';
import type { ZkClient } from './zk/client.js';
import { withRetry } from './zk/retry.js';
import { formatSeq, parseSeq, type JobId } from './job-id.js';
import { finishedStatus, unfinishedStatus, type JobStatus } from './status.js';

export interface ListOptions {
  /** Include unfinished (pending and running) jobs. */
  unfinished: boolean;
  /** Include finished jobs. */
  finished: boolean;
  /** At most this many jobs per queue. */
  limit: number;
}

export async function listJobs(zk: ZkClient, paths: Paths, queue: string, options: ListOptions): Promise<JobStatus[]> {
  const rows: JobStatus[] = [];
  if (options.finished) {
    for await (const id of walkBuckets(zk, paths.results(queue), (b) => paths.resultBucket(queue, b), queue)) {
      if (rows.length >= options.limit) break;
      const node = await withRetry(() => zk.getOrNull(paths.result(queue, id.seq)));
      if (node) rows.push(finishedStatus(id, node.data));
    }
  }
  if (options.unfinished) {
    const claims = new Set(await withRetry(() => zk.childrenOrEmpty(paths.claims(queue))));
    const limit = rows.length + options.limit;
    for await (const id of walkBuckets(zk, paths.pending(queue), (b) => paths.pendingBucket(queue, b), queue)) {
      if (rows.length >= limit) break;
      const spec = await withRetry(() => zk.getOrNull(paths.pendingJob(queue, id.seq)));
      if (!spec) continue;
      const claimed = claims.has(formatSeq(id.seq));
      const claim = claimed ? await withRetry(() => zk.getOrNull(paths.claim(queue, id.seq))) : null;
      rows.push(unfinishedStatus(id, spec.data, spec.stat.version, spec.stat.ctime, claim?.data ?? null));
    }
  }
  return rows.sort((a, b) => seqOf(a) - seqOf(b));
}

/** Job ids under a bucketed parent, oldest first, one bucket listed at a time. */
export async function* walkBuckets(zk: ZkClient, parent: string, bucketPath: (b: string) => string, queue: string): AsyncGenerator<JobId> {
  const buckets = (await withRetry(() => zk.childrenOrEmpty(parent))).sort();
  for (const bucket of buckets) {
    const names = await withRetry(() => zk.childrenOrEmpty(bucketPath(bucket)));
    const seqs = names.map(parseSeq).filter((s): s is number => s !== null).sort((a, b) => a - b);
    for (const seq of seqs) yield { queue, seq };
  }
}

function seqOf(status: JobStatus): number {
  return Number(status.id.slice(status.id.lastIndexOf('/') + 1));
}
