// Purge removes pending and finished jobs of a queue, never running ones.
// A pending job is removed by first taking its claim ourselves, exactly as a
// daemon would: if that fails, a daemon holds it (running); once it is ours,
// no daemon can start it while its spec is deleted. Then the claim goes.
import os from 'node:os';
import type { Paths } from './zk/paths.js';
import type { ZkClient } from './zk/client.js';
import { withRetry } from './zk/retry.js';
import { NodeExistsError } from './zk/errors.js';
import { encodeJson } from './record.js';
import { walkBuckets } from './job-list.js';
import type { JobId } from './job-id.js';
import { pipelined } from './pipeline.js';

/** Removals in flight at once. */
const WINDOW = 256;

export interface PurgeCounts {
  pending: number;
  finished: number;
  skippedRunning: number;
}

export async function purgeQueue(zk: ZkClient, paths: Paths, queue: string): Promise<PurgeCounts> {
  const counts: PurgeCounts = { pending: 0, finished: 0, skippedRunning: 0 };
  const results = walkBuckets(zk, paths.results(queue), (b) => paths.resultBucket(queue, b), queue);
  for await (const deleted of pipelined(results, WINDOW, (id) => withRetry(() => zk.deleteIfExists(paths.result(queue, id.seq))))) {
    if (deleted) counts.finished++;
  }
  const pending = walkBuckets(zk, paths.pending(queue), (b) => paths.pendingBucket(queue, b), queue);
  for await (const outcome of pipelined(pending, WINDOW, (id) => removePending(zk, paths, id))) {
    if (outcome === 'removed') counts.pending++;
    if (outcome === 'running') counts.skippedRunning++;
  }
  return counts;
}

/** Take the claim, delete the spec, drop the claim. */
export async function removePending(zk: ZkClient, paths: Paths, id: JobId): Promise<'removed' | 'running' | 'gone'> {
  const claim = paths.claim(id.queue, id.seq);
  try {
    await withRetry(() => zk.create(claim, encodeJson({ node: `zkjobq@${os.hostname()}`, since: new Date().toISOString() }), 'ephemeral'));
  } catch (err) {
    if (err instanceof NodeExistsError) return 'running';
    throw err;
  }
  try {
    return (await withRetry(() => zk.deleteIfExists(paths.pendingJob(id.queue, id.seq)))) ? 'removed' : 'gone';
  } finally {
    await withRetry(() => zk.deleteIfExists(claim));
  }
}
