// Submit: reserve the next sequence number, then create the job spec in its
// bucket. The counter znode's data is the last number handed out; a
// reservation advances it by compare-and-set on its version (zk/update.ts),
// so a batch can take a thousand numbers with one write. Each of the two
// steps is one operation under the retry policy. Crash points:
//  - after the reservation, before the create: a gap in the numbers, and
//    the client never printed an id, so nothing was promised or lost (a
//    reservation whose reply was lost is made again: a gap too);
//  - connection lost during the create: it may have been applied, so the
//    re-run looks before it creates again: a spec with our bytes is ours
//    (nobody else uses this number), and no spec but a result means ours
//    was created and has already run; only neither means it never landed.
// A job is pending from the moment its spec znode exists. A job with
// requirements goes into the bucket of its class (placement.ts): the class
// is known before anything is written, and there is no second znode to
// fall out of step with the spec (docs/placement.md).
//
// Job numbers end at MAX_SEQ (ten digits, the only names zkjobs reads): a
// reservation that would pass it fails before anything is written, with
// exit 65, so a submit that exits 0 is always a job some daemon can see.
// (A counter pushed there by hand used to hand out 10000000000, a name no
// daemon lists: the submit "succeeded" and the job never ran.)
import { NoNodeError } from './zk/errors.js';
import { DataError } from './errors.js';
import { aclForNew } from './acl.js';
import { retry } from './zk/retry.js';
import { updateData } from './zk/update.js';
import { classBucket, type Paths } from './zk/paths.js';
import type { ZkClient } from './zk/client.js';
import { encodeJobSpec, requirementsOf, type JobSpec } from './job-spec.js';
import type { Requirements } from './placement.js';
import { checkQueueName, formatJobId, MAX_SEQ, type JobId } from './job-id.js';
import { noSuchQueue } from './queue.js';
import type { SpecSigner } from './submitter-key.js';
import { withRuns, type Run } from './attempt-history.js';

/**
 * Submit one job. `history` starts its `runs` (a requeue says which job it
 * repeats); like every `runs`, it is not part of what is signed.
 */
export async function submitJob(zk: ZkClient, paths: Paths, queue: string, spec: JobSpec, sign?: SpecSigner, history?: Run[]): Promise<JobId> {
  checkQueueName(queue);
  const unsigned = encodeJobSpec(spec); // a bad or oversized spec takes no number
  const seq = await reserveSequences(zk, paths, queue, 1);
  // Signed only now: the job number is part of what is signed.
  const signed = sign ? encodeJobSpec(sign({ queue, seq }, spec)) : unsigned;
  const data = history ? withRuns(signed, history) : signed;
  await createJobSpec(zk, paths, { queue, seq }, data, requirementsOf(spec));
  return { queue, seq };
}

/** Reserve `count` consecutive numbers; returns the first. */
export function reserveSequences(zk: ZkClient, paths: Paths, queue: string, count: number): Promise<number> {
  return retry(() => updateData(zk, paths.counter(queue), (counter) => {
    if (!counter) throw noSuchQueue(queue);
    const last = parseCounter(counter.data);
    if (last + count > MAX_SEQ) {
      throw new DataError(`queue ${queue} has no job numbers left (its counter is at ${last}, the last number is ${MAX_SEQ}); nothing was submitted`);
    }
    return { data: String(last + count), value: last + 1 };
  }));
}

function parseCounter(data: Buffer): number {
  const text = data.toString('latin1');
  if (text === '') return 0;
  if (!/^\d{1,10}$/.test(text)) throw new DataError(`corrupt sequence counter ${JSON.stringify(text.slice(0, 40))}; nothing was submitted`);
  return Number(text);
}

export async function createJobSpec(zk: ZkClient, paths: Paths, id: JobId, data: Buffer, requirements: Requirements | null = null): Promise<void> {
  let rerun = false;
  const bucket = classBucket(id.seq, requirements);
  const path = paths.pendingIn(id.queue, bucket, id.seq);
  await retry(async () => {
    const again = rerun;
    rerun = true;
    if (again && (await landedEarlier(zk, paths, id, path, data))) return;
    await createInBucket(zk, paths, id.queue, paths.pendingBucket(id.queue, bucket), path, data);
  });
}

/** After a lost reply: did our create of this spec go through? (Read spec before result: see the top.) */
async function landedEarlier(zk: ZkClient, paths: Paths, id: JobId, path: string, data: Buffer): Promise<boolean> {
  const spec = await zk.getOrNull(path);
  if (spec) {
    if (spec.data.equals(data)) return true;
    throw new DataError(`job number ${formatJobId(id)} is taken by a spec zkjobs did not write; nothing was submitted`);
  }
  return (await zk.exists(paths.result(id.queue, id.seq))) !== null;
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
