// Finding a pending job's spec from its id alone. A job without
// requirements is at the plain path of its number (one read, as always); one
// with requirements is in the bucket of its class (placement.ts), and the
// classes present are found in the short listing of pending/ (one name per
// bucket and class, however deep the queue). Used by readers that have
// only an id: show, wait, cancel, rm, check, cleanup by a peer.
import type { Paths } from './zk/paths.js';
import { bucketOf, parsePendingBucket } from './zk/paths.js';
import type { Stat, ZkClient } from './zk/client.js';
import type { JobId } from './job-id.js';

export interface PendingSpec {
  path: string;
  data: Buffer;
  stat: Stat;
}

/** The spec znode of a pending job, or null when it has none (finished, removed, never submitted). Run under the caller's retry. */
export async function readPendingSpec(zk: ZkClient, paths: Paths, id: JobId): Promise<PendingSpec | null> {
  const plain = paths.pendingJob(id.queue, id.seq);
  const node = await zk.getOrNull(plain);
  if (node) return { path: plain, ...node };
  for (const path of await classPaths(zk, paths, id)) {
    const found = await zk.getOrNull(path);
    if (found) return { path, ...found };
  }
  return null;
}

/** Like readPendingSpec, for callers that need only the path. */
export async function findPendingSpec(zk: ZkClient, paths: Paths, id: JobId): Promise<string | null> {
  return (await readPendingSpec(zk, paths, id))?.path ?? null;
}

/** Where the job's spec would be in each class bucket of its range. */
async function classPaths(zk: ZkClient, paths: Paths, id: JobId): Promise<string[]> {
  const range = bucketOf(id.seq);
  const buckets = await zk.childrenOrEmpty(paths.pending(id.queue));
  return buckets
    .filter((name) => name.startsWith(`${range}~`) && parsePendingBucket(name) !== null)
    .sort()
    .map((bucket) => paths.pendingIn(id.queue, bucket, id.seq));
}
