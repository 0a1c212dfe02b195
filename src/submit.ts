// Submit: reserve the next sequence number, then create the job spec in its
// bucket. The counter znode's data is the last number handed out; a
// reservation advances it by compare-and-set on its version, so a batch can
// take a thousand numbers with one write. Crash points:
//  - after the reservation, before the create: a gap in the numbers, and
//    the client never printed an id, so nothing was promised or lost;
//  - connection lost during the create: it may have been applied, so it is
//    retried, and NodeExists on the retry means our own create went through
//    (nobody else ever uses this number).
// A job is pending from the moment its spec znode exists.
import { BadVersionError, NodeExistsError, NoNodeError } from './zk/errors.js';
import { DataError } from './errors.js';
import { aclForNew } from './acl.js';
import { withRetry } from './zk/retry.js';
import { bucketOf, type Paths } from './zk/paths.js';
import type { ZkClient } from './zk/client.js';
import { encodeJobSpec, type JobSpec } from './job-spec.js';
import { checkQueueName, type JobId } from './job-id.js';
import { noSuchQueue } from './queue.js';

export async function submitJob(zk: ZkClient, paths: Paths, queue: string, spec: JobSpec): Promise<JobId> {
  checkQueueName(queue);
  const data = encodeJobSpec(spec);
  const seq = await reserveSequences(zk, paths, queue, 1);
  await createJobSpec(zk, paths, { queue, seq }, data);
  return { queue, seq };
}

/** Reserve `count` consecutive numbers; returns the first. Contended reservations retry with jitter. */
export async function reserveSequences(zk: ZkClient, paths: Paths, queue: string, count: number): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const counter = await withRetry(() => zk.getOrNull(paths.counter(queue)));
    if (!counter) throw noSuchQueue(queue);
    const last = parseCounter(counter.data);
    try {
      await withRetry(() => zk.set(paths.counter(queue), String(last + count), counter.stat.version));
      return last + 1;
    } catch (err) {
      if (!(err instanceof BadVersionError)) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(2 ** attempt, 100)));
    }
  }
}

function parseCounter(data: Buffer): number {
  const text = data.toString('latin1');
  if (text === '') return 0;
  if (!/^\d{1,15}$/.test(text)) throw new DataError(`corrupt sequence counter ${JSON.stringify(text.slice(0, 40))}`);
  return Number(text);
}

export async function createJobSpec(zk: ZkClient, paths: Paths, id: JobId, data: Buffer): Promise<void> {
  const path = paths.pendingJob(id.queue, id.seq);
  let retried = false;
  await withRetry(async () => {
    try {
      await createInBucket(zk, paths, id.queue, paths.pendingBucket(id.queue, bucketOf(id.seq)), path, data);
    } catch (err) {
      if (err instanceof NodeExistsError && retried) return;
      retried = true;
      throw err;
    }
  });
}

/**
 * Buckets are containers that ZooKeeper reaps once empty: recreate on
 * NoNode. On a restricted queue the new znodes are created with its ACL.
 */
export async function createInBucket(zk: ZkClient, paths: Paths, queue: string, bucket: string, path: string, data: Buffer): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await zk.create(path, data, 'persistent', await aclForNew(zk, paths, queue));
      return;
    } catch (err) {
      if (!(err instanceof NoNodeError) || attempt >= 5) throw err;
      await createBucket(zk, paths, queue, bucket);
    }
  }
}

export async function createBucket(zk: ZkClient, paths: Paths, queue: string, bucket: string): Promise<void> {
  await zk.createIfAbsent(bucket, '', 'container', await aclForNew(zk, paths, queue));
}
