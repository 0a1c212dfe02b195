// Submit: take the next sequence number, then create the job spec in its
// bucket. Crash points:
//  - after the counter bump, before the create: a gap in the numbers, and
//    the client never printed an id, so nothing was promised or lost;
//  - connection lost during the create: it may have been applied, so it is
//    retried, and NodeExists on the retry means our own create went through
//    (nobody else ever uses this number).
// A job is pending from the moment its spec znode exists.
import { NodeExistsError, NoNodeError } from './zk/errors.js';
import { withRetry } from './zk/retry.js';
import { bucketOf, type Paths } from './zk/paths.js';
import type { ZkClient } from './zk/client.js';
import { encodeJobSpec, type JobSpec } from './job-spec.js';
import { checkQueueName, type JobId } from './job-id.js';
import { noSuchQueue } from './queue.js';

export async function submitJob(zk: ZkClient, paths: Paths, queue: string, spec: JobSpec): Promise<JobId> {
  checkQueueName(queue);
  const data = encodeJobSpec(spec);
  const seq = await nextSequence(zk, paths, queue);
  await createJobSpec(zk, paths, { queue, seq }, data);
  return { queue, seq };
}

/** The counter's data version is the last number handed out: one write per job. */
export async function nextSequence(zk: ZkClient, paths: Paths, queue: string): Promise<number> {
  return withRetry(async () => {
    try {
      return (await zk.set(paths.counter(queue), '')).version;
    } catch (err) {
      if (err instanceof NoNodeError) throw noSuchQueue(queue);
      throw err;
    }
  });
}

async function createJobSpec(zk: ZkClient, paths: Paths, id: JobId, data: Buffer): Promise<void> {
  const path = paths.pendingJob(id.queue, id.seq);
  let retried = false;
  await withRetry(async () => {
    try {
      await createInBucket(zk, paths.pendingBucket(id.queue, bucketOf(id.seq)), path, data);
    } catch (err) {
      if (err instanceof NodeExistsError && retried) return;
      retried = true;
      throw err;
    }
  });
}

/** Buckets are containers that ZooKeeper reaps once empty: recreate on NoNode. */
export async function createInBucket(zk: ZkClient, bucket: string, path: string, data: Buffer): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await zk.create(path, data);
      return;
    } catch (err) {
      if (!(err instanceof NoNodeError) || attempt >= 5) throw err;
      await zk.createIfAbsent(bucket, '', 'container');
    }
  }
}
