// Submit: take the next sequence number and create the job spec in its
// bucket. The counter znode's data is the last number handed out; taking a
// number advances it by compare-and-set on its version. One job (submitJob)
// does both in one multi (zk/multi.ts): the counter set at the version read
// and the spec's create, applied together or not at all, so a single submit
// costs one round trip of reads (the counter, and the queue's ACL beside
// it) and one write, and leaves no gap in the numbers; a lost
// reply is settled as for the create below, before another number is
// taken. A batch reserves a thousand numbers with one write (zk/update.ts)
// and then creates the specs; each of its two steps is one operation under
// the retry policy. Crash points of a batch:
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
import { BadVersionError, NodeExistsError, NoNodeError } from './zk/errors.js';
import { DataError } from './errors.js';
import { aclForNew } from './acl.js';
import { retry } from './zk/retry.js';
import { updateData } from './zk/update.js';
import { classBucket, type Paths } from './zk/paths.js';
import type { Acl, ZkClient } from './zk/client.js';
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
  const requirements = requirementsOf(spec);
  let sent: SentSpec | null = null;
  return retry(async () => {
    // A multi whose reply was lost was applied whole or not at all: look before taking another number.
    if (sent && (await landedEarlier(zk, paths, sent.id, sent.path, sent.data))) return sent.id;
    for (let attempt = 0; ; attempt++) {
      // The queue's ACL is read beside the counter, not after it: one round
      // trip less. The counter's answer comes first (no such queue says more than a refused ACL).
      const acl = aclForNew(zk, paths, queue);
      acl.catch(() => undefined);
      const counter = await zk.getOrNull(paths.counter(queue));
      if (!counter) throw noSuchQueue(queue);
      const id = { queue, seq: nextSequences(queue, counter.data, 1) };
      // Signed only now: the job number is part of what is signed.
      const signed = sign ? encodeJobSpec(sign(id, spec)) : unsigned;
      const data = history ? withRuns(signed, history) : signed;
      const bucket = classBucket(id.seq, requirements);
      sent = { id, path: paths.pendingIn(queue, bucket, id.seq), data };
      const taken = await takeNumberAndCreate(zk, paths, sent, bucket, counter.stat.version, await acl);
      if (taken) return id;
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(2 ** attempt, 100)));
    }
  });
}

interface SentSpec {
  id: JobId;
  path: string;
  data: Buffer;
}

/**
 * One multi: our spec created and the counter moved to its number at the
 * version read. False when another submitter took the number first (the
 * counter's version moved): read it again. A missing bucket is made and the
 * multi sent again.
 */
async function takeNumberAndCreate(zk: ZkClient, paths: Paths, sent: SentSpec, bucket: string, version: number, acl: Acl[] | undefined): Promise<boolean> {
  const { queue, seq } = sent.id;
  for (let tries = 0; ; tries++) {
    try {
      await zk.multi([
        { op: 'create', path: sent.path, data: sent.data, acl },
        { op: 'set', path: paths.counter(queue), data: String(seq), version },
      ]);
      return true;
    } catch (err) {
      if (err instanceof BadVersionError && err.multiOp?.index === 1) return false;
      if (err instanceof NoNodeError && err.multiOp?.index === 0 && tries < 5) {
        await createBucket(zk, paths, queue, paths.pendingBucket(queue, bucket));
        continue;
      }
      if (err instanceof NodeExistsError && err.multiOp?.index === 0) {
        // The number's spec exists: a submitter that took it first (the
        // counter moved on), or a znode zkjobs did not write.
        if ((await zk.exists(paths.counter(queue)))?.version !== version) return false;
        throw new DataError(`job number ${formatJobId(sent.id)} is taken by a spec zkjobs did not write; nothing was submitted`);
      }
      throw err;
    }
  }
}

/** Reserve `count` consecutive numbers; returns the first. */
export function reserveSequences(zk: ZkClient, paths: Paths, queue: string, count: number): Promise<number> {
  return retry(() => updateData(zk, paths.counter(queue), (counter) => {
    if (!counter) throw noSuchQueue(queue);
    const first = nextSequences(queue, counter.data, count);
    return { data: String(first + count - 1), value: first };
  }));
}

/** The first of `count` numbers after the counter's; none past MAX_SEQ. */
function nextSequences(queue: string, counter: Buffer, count: number): number {
  const last = parseCounter(counter);
  if (last + count > MAX_SEQ) {
    throw new DataError(`queue ${queue} has no job numbers left (its counter is at ${last}, the last number is ${MAX_SEQ}); nothing was submitted`);
  }
  return last + 1;
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
