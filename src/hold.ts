// Hold and release (zkjobq hold JOB, zkjobq release JOB): keep one pending
// job from starting until an operator lets it, without losing its place.
//
// A held job is a job no node is eligible for (placement.ts): its spec is in
// the held twin of its bucket, `<first>~h` or `<first>~h~<class>`, under the
// same number. Daemons list only the buckets they are eligible for, so they
// never list or read a held spec: the claim path is unchanged and costs
// nothing more. Release moves the spec back into its class's bucket under
// the same number, so it starts in its place by number (FIFO), as if never
// held.
//
// A move, and why its order is crash safe:
//  1. take the job's claim exactly as a daemon would (createEphemeralOnce,
//     the lock ACL). While it is ours no daemon can start the job; a job
//     someone holds the claim of (running, waiting for its retry, being
//     cancelled) is refused. A crash lets the claim die with our session,
//     and nothing has changed;
//  2. read every copy of the spec in its range (normally one) and look for
//     a result: one means the job has ended ("claim after completion"), and
//     copies a crash left beside it are only cleaned up, as a claimer would;
//  3. before writing anything, make sure we may delete in the bucket: a
//     delete of the spec at a version it cannot have is refused for want
//     of rights (NOAUTH) before ZooKeeper compares versions (BADVERSION);
//  4. create the copy in the twin bucket with the source's bytes (a
//     submitter's signature covers the bytes and the job id, both kept),
//     then bring its data version, the attempt count (claim.ts step 5), up
//     to the source's by sets of the same bytes. A crash here leaves the job
//     in two buckets, and nothing lost. It still runs at most once: there is
//     one claim znode per job number, and a claimer that finds a result only
//     cleans up (claim.ts steps 2-4). The held copy never runs; a runnable
//     copy runs as if the hold had not happened;
//  5. delete the source at the version read in 2 (nobody else changes it
//     while the claim is ours; a mismatch stops the move with nothing lost);
//  6. drop the claim, only while our session still owns it.
// Create before delete: at every point the job has a spec, so it is never
// lost. Both only under the claim: it never starts while being moved. Every
// request of 2-5 goes to the session that took the claim (session-bound.ts).
//
// A job found in two buckets (a move cut short) is finished by running hold
// or release again. The runnable copy is the one that counts: it is the one
// daemons see and write their attempts into, while nobody writes a held
// copy. So hold makes the held copy equal to it and deletes it; release
// deletes the held copy.
//
// After a release, one more write: the counter is set to the value it has,
// at its version. That fires the data watch idle daemons keep on it
// (daemon/wakeups.ts), so they look now rather than at their next rescan.
// A set that finds another version lost to a submit, which woke them anyway.
//
// Rights: a move deletes a spec, so on a restricted queue it takes the
// queue's admin right (acl.ts: submitters create but never delete); step 3
// says so before anything changes. On an open queue anyone may, as anyone
// may cancel.
import os from 'node:os';
import type { Paths } from './zk/paths.js';
import { heldTwin } from './zk/paths.js';
import type { Stat, ZkClient } from './zk/client.js';
import { BadVersionError, NoAuthError, NoNodeError, NodeExistsError } from './zk/errors.js';
import { retry } from './zk/retry.js';
import { createEphemeralOnce, deleteIfOwned } from './zk/ephemeral.js';
import { lockAclFor } from './fleet-access.js';
import { newClaimRecord, parseClaimRecord } from './claim.js';
import { clearStrayClaim } from './stray-claims.js';
import { IGNORE_FINDINGS } from './finding.js';
import { createInBucket } from './submit.js';
import { readSpecCopies, type SpecCopy } from './pending-spec.js';
import { parseResult } from './result.js';
import { formatJobId, type JobId } from './job-id.js';
import { DataError, EXIT, NotAuthorizedError, NotFoundError, TempFailError, ZkjobsError } from './errors.js';

export type HoldOutcome = 'held' | 'already held' | 'released' | 'not held';

/** A data version no znode reaches: the delete it is given can only be refused (step 3). */
const NO_SUCH_VERSION = 2 ** 31 - 1;

/** Hold a pending job: no daemon starts it until it is released. */
export function holdJob(zk: ZkClient, paths: Paths, id: JobId): Promise<HoldOutcome> {
  return underClaim(zk, paths, id, true);
}

/** Let a held job run again, in its place by number. */
export async function releaseJob(zk: ZkClient, paths: Paths, id: JobId): Promise<HoldOutcome> {
  const outcome = await underClaim(zk, paths, id, false);
  if (outcome === 'released') await nudgeDaemons(zk, paths, id.queue);
  return outcome;
}

/** Steps 1 and 6 around the move. */
async function underClaim(zk: ZkClient, paths: Paths, id: JobId, hold: boolean): Promise<HoldOutcome> {
  const claim = paths.claim(id.queue, id.seq);
  const record = newClaimRecord(`zkjobq@${os.hostname()}`);
  const take = () => retry(async () => createEphemeralOnce(zk, claim, record, await lockAclFor(zk, paths, id.queue)));
  // A persistent node in the claim's place is no claim (stray-claims.ts): it goes, and the claim is ours.
  if (!(await take()) && !((await clearStray(zk, paths, id)) && (await take()))) throw await whyClaimed(zk, paths, id, hold);
  const session = zk.sessionId;
  const bound = zk.boundTo(session);
  const wrote = { any: false };
  try {
    return await retry(() => moveOnce(bound, paths, id, hold, wrote));
  } finally {
    // Refused (a submitter may not delete claims) or failed for good: it dies with our session at exit.
    await retry(() => deleteIfOwned(zk, claim, session)).catch(() => undefined);
  }
}

/**
 * Steps 2-5, from what is there now: safe to run again after a lost
 * connection (`wrote` remembers that an earlier run already changed
 * something, so the outcome is still told right).
 */
async function moveOnce(zk: ZkClient, paths: Paths, id: JobId, hold: boolean, wrote: { any: boolean }): Promise<HoldOutcome> {
  const copies = await readSpecCopies(zk, paths, id);
  await refuseIfEnded(zk, paths, id, copies, hold);
  if (copies.length === 0) throw new NotFoundError(`no such job ${formatJobId(id)}`);
  const runnable = copies.filter((c) => !c.held);
  const parked = copies.filter((c) => c.held);
  const source = runnable[0] ?? null;
  const twin = parked[0] ?? null;
  if (runnable.length > 1 || parked.length > 1 || (source && twin && heldTwin(source.bucket, true) !== twin.name)) {
    throw new DataError(`job ${formatJobId(id)} is in several pending buckets (${copies.map((c) => c.name).join(', ')}); nothing changed ('zkjobq check ${id.queue}' reports them)`);
  }
  if (hold) {
    if (!source) return wrote.any ? 'held' : 'already held';
    await mayDelete(zk, id, source, hold);
    wrote.any = true;
    await copyInto(zk, paths, id, heldTwin(source.bucket, true), source, twin);
    await deleteCopy(zk, id, source);
    return 'held';
  }
  if (!twin) return wrote.any ? 'released' : 'not held';
  await mayDelete(zk, id, twin, hold);
  wrote.any = true;
  // A runnable copy already there is a hold or release cut short: it is the one that counts.
  if (!source) await copyInto(zk, paths, id, heldTwin(twin.bucket, false), twin, null);
  await deleteCopy(zk, id, twin);
  return 'released';
}

/** A job with a result has ended: nothing to hold, and any copy a crash left is only cleaned up. */
async function refuseIfEnded(zk: ZkClient, paths: Paths, id: JobId, copies: SpecCopy[], hold: boolean): Promise<void> {
  const result = await zk.getOrNull(paths.result(id.queue, id.seq));
  if (!result) return;
  for (const copy of copies) await zk.deleteIfExists(copy.path).catch((err) => {
    if (!(err instanceof NoAuthError)) throw err; // left for a daemon or zkjobq check, as after a crash
  });
  let state = 'finished';
  try {
    state = parseResult(result.data).state;
  } catch {
    // An unreadable result still ends the job (claim.ts).
  }
  throw new ZkjobsError(`job ${formatJobId(id)} already ${state}; only a pending job can be ${hold ? 'held' : 'released'}`);
}

/** Step 3: refused here, nothing has changed yet. */
async function mayDelete(zk: ZkClient, id: JobId, copy: SpecCopy, hold: boolean): Promise<void> {
  try {
    await zk.delete(copy.path, NO_SUCH_VERSION);
  } catch (err) {
    if (err instanceof BadVersionError || err instanceof NoNodeError) return;
    if (err instanceof NoAuthError) {
      throw new NotAuthorizedError(`not authorized to ${hold ? 'hold' : 'release'} jobs of queue ${id.queue}: this identity lacks its admin right (zkjobq create --admins; identity from --zk-auth-file or ZKJOBS_ZK_AUTH)`, { cause: err });
    }
    throw err;
  }
  throw new ZkjobsError(`job ${formatJobId(id)}: ZooKeeper deleted a spec at version ${NO_SUCH_VERSION}; stopped`);
}

/**
 * Step 4: the copy in `bucket`, with the source's bytes and at least its
 * version. `existing`: a copy there already (a move cut short), rewritten
 * if it differs. A create whose reply was lost is found by the next run.
 */
async function copyInto(zk: ZkClient, paths: Paths, id: JobId, bucket: string, source: SpecCopy, existing: SpecCopy | null): Promise<void> {
  const path = paths.pendingIn(id.queue, bucket, id.seq);
  let stat: Stat | null = existing?.stat ?? null;
  if (!existing) {
    try {
      await createInBucket(zk, paths, id.queue, paths.pendingBucket(id.queue, bucket), path, source.data);
    } catch (err) {
      if (!(err instanceof NodeExistsError)) throw err;
    }
    stat = await zk.exists(path);
  } else if (!existing.data.equals(source.data)) {
    stat = await zk.set(path, source.data, existing.stat.version);
  }
  // Nobody but a mover writes a spec outside the buckets daemons list, and we hold the claim: no BadVersion here.
  while (stat && stat.version < source.stat.version) stat = await zk.set(path, source.data, stat.version);
  if (!stat) throw new ZkjobsError(`job ${formatJobId(id)}: its copy in ${bucket} vanished while being made; nothing lost, run the command again`);
}

/** Step 5, at the version read: a change we do not expect stops the move, with both copies kept. */
async function deleteCopy(zk: ZkClient, id: JobId, copy: SpecCopy): Promise<void> {
  try {
    await zk.deleteIfExists(copy.path, copy.stat.version);
  } catch (err) {
    if (!(err instanceof BadVersionError)) throw err;
    throw new ZkjobsError(`job ${formatJobId(id)} changed while being moved; nothing lost, run the command again`, EXIT.TEMPFAIL, { cause: err });
  }
}

/** The claim is someone's: say whose, and why that stops us. */
async function whyClaimed(zk: ZkClient, paths: Paths, id: JobId, hold: boolean): Promise<ZkjobsError> {
  const node = await retry(() => zk.getOrNull(paths.claim(id.queue, id.seq)));
  const what = `only a pending job can be ${hold ? 'held' : 'released'}`;
  if (!node) return new TempFailError(`job ${formatJobId(id)} was busy a moment ago (claimed, then let go); run the command again`);
  let holder = 'a node';
  let retryAt: string | undefined;
  try {
    const record = parseClaimRecord(node.data);
    holder = record.node;
    retryAt = record.retryAt;
  } catch {
    // Named as "a node".
  }
  if (/^zkjob[cq]/.test(holder)) return new TempFailError(`job ${formatJobId(id)} is being changed by ${holder} (cancel, purge, hold or release); run the command again`);
  if (retryAt) return new ZkjobsError(`job ${formatJobId(id)} failed an attempt on ${holder} and waits there to retry; ${what} (zkjobc cancel stops it)`);
  return new ZkjobsError(`job ${formatJobId(id)} is running on ${holder}; ${what} (zkjobc cancel stops it)`);
}

/** A submitter of a restricted queue may not delete: the stray claim is left, and the job is refused as claimed. */
async function clearStray(zk: ZkClient, paths: Paths, id: JobId): Promise<boolean> {
  try {
    return await clearStrayClaim(zk, paths, id, IGNORE_FINDINGS);
  } catch (err) {
    if (err instanceof NoAuthError) return false;
    throw err;
  }
}

/** Fire the counter's data watch without changing its value (see the top of the file). Best effort. */
async function nudgeDaemons(zk: ZkClient, paths: Paths, queue: string): Promise<void> {
  try {
    await retry(async () => {
      const counter = await zk.getOrNull(paths.counter(queue));
      if (counter) await zk.set(paths.counter(queue), counter.data, counter.stat.version);
    });
  } catch {
    // A lost race with a submit woke them anyway; otherwise they look at their next rescan.
  }
}
