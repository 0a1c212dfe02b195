// Finding a pending job's spec from its id alone. A job without
// requirements is at the plain path of its number (one read, as always); one
// with requirements is in the bucket of its class (placement.ts), and the
// classes present are found in the short listing of pending/ (one name per
// bucket and class, however deep the queue). Used by readers that have
// only an id: show, wait, cancel, rm, check, cleanup by a peer.
//
// A held job (hold.ts) is in the held twin of its class's bucket. A move cut
// short may leave a job in both for a while: the runnable copy is the one
// that counts (the one daemons see and write), so it is looked at first.
import type { Paths } from './zk/paths.js';
import { bucketOf, parsePendingBucket, type PendingBucket } from './zk/paths.js';
import type { Stat, ZkClient } from './zk/client.js';
import type { JobId } from './job-id.js';

export interface PendingSpec {
  path: string;
  data: Buffer;
  stat: Stat;
  /** Held by an operator (zkjobq hold): its bucket's class says so. */
  held: boolean;
}

/** One copy of a job's spec, with the bucket it is in. */
export interface SpecCopy extends PendingSpec {
  /** The bucket's name under pending/. */
  name: string;
  bucket: PendingBucket;
}

/** The spec znode of a pending job, or null when it has none (finished, removed, never submitted). Run under the caller's retry. */
export async function readPendingSpec(zk: ZkClient, paths: Paths, id: JobId): Promise<PendingSpec | null> {
  const plain = paths.pendingJob(id.queue, id.seq);
  const node = await zk.getOrNull(plain);
  if (node) return { path: plain, ...node, held: false };
  for (const { path, held } of await classPaths(zk, paths, id)) {
    const found = await zk.getOrNull(path);
    if (found) return { path, ...found, held };
  }
  return null;
}

/**
 * Every copy of the job's spec in the buckets of its range: one, or none,
 * except after a hold or release cut short (hold.ts), or names someone else
 * wrote. One listing of pending/ and a read per bucket of the range.
 */
export async function readSpecCopies(zk: ZkClient, paths: Paths, id: JobId): Promise<SpecCopy[]> {
  const range = bucketOf(id.seq);
  const names = (await zk.childrenOrEmpty(paths.pending(id.queue))).filter((name) => name === range || name.startsWith(`${range}~`));
  const copies = await Promise.all(names.map(async (name): Promise<SpecCopy | null> => {
    const bucket = parsePendingBucket(name);
    if (!bucket) return null;
    const path = paths.pendingIn(id.queue, name, id.seq);
    const node = await zk.getOrNull(path);
    return node && { path, ...node, held: bucket.requirements.held === true, name, bucket };
  }));
  return copies.filter((c): c is SpecCopy => c !== null);
}

/** Like readPendingSpec, for callers that need only the path. */
export async function findPendingSpec(zk: ZkClient, paths: Paths, id: JobId): Promise<string | null> {
  return (await readPendingSpec(zk, paths, id))?.path ?? null;
}

/** Where the job's spec would be in each class bucket of its range, held ones last. */
async function classPaths(zk: ZkClient, paths: Paths, id: JobId): Promise<{ path: string; held: boolean }[]> {
  const range = bucketOf(id.seq);
  const buckets = await zk.childrenOrEmpty(paths.pending(id.queue));
  return buckets
    .filter((name) => name.startsWith(`${range}~`))
    .map((name) => ({ name, parsed: parsePendingBucket(name) }))
    .filter(({ parsed }) => parsed !== null)
    .map(({ name, parsed }) => ({ path: paths.pendingIn(id.queue, name, id.seq), held: parsed!.requirements.held === true }))
    .sort((a, b) => Number(a.held) - Number(b.held) || a.path.localeCompare(b.path));
}
