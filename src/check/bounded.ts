// Reads that stay small whatever is in ZooKeeper. A getChildren reply over
// about 1 MB is refused by the server, and a big one already makes the
// binding close its own session (DESIGN: buckets keep replies small), so
// a parent is listed only after its stat says how many children it has: a
// bucket stuffed by hand beyond what zkjobs ever puts there is reported,
// not listed.
import type { ZkClient } from '../zk/client.js';
import { retry } from '../zk/retry.js';
import { BUCKET_SIZE } from '../zk/paths.js';

/** The most children listed in one reply: twice a full bucket of ten-digit names, about 300 KB. */
export const MAX_LIST = 2 * BUCKET_SIZE;

/** Requests in flight at once while walking a queue. */
export const WINDOW = 256;

export type Listing = { kind: 'absent' } | { kind: 'too-many'; count: number } | { kind: 'ok'; names: string[] };

export function listBounded(zk: ZkClient, path: string, max = MAX_LIST): Promise<Listing> {
  return retry(async () => {
    const stat = await zk.exists(path);
    if (!stat) return { kind: 'absent' };
    if (stat.numChildren > max) return { kind: 'too-many', count: stat.numChildren };
    // Deleted since the stat (a container reaped, a bucket emptied): nothing to list.
    return { kind: 'ok', names: await zk.childrenOrEmpty(path) };
  });
}
