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
// A move, and why it is crash safe:
//  1. take the job's claim exactly as a daemon would (createEphemeralOnce,
//     the lock ACL). While it is ours no daemon can start the job; a job
//     someone holds the claim of (running, waiting for its retry, being
//     cancelled) is refused. A crash lets the claim die with our session,
//     and nothing has changed;
//  2. read every copy of the spec in its range (normally one) and look for
//     a result: one means the job has ended ("claim after completion"), and
//     copies a crash left beside it are only cleaned up, as a claimer would;
//  3. one multi (zk/multi.ts), applied whole or not at all: create the copy
//     in the twin bucket with the source's bytes (a submitter's signature
//     covers the bytes and the job id, both kept), bring its data version,
//     the attempt count (claim.ts step 3), up to the source's by sets
//     (empty but for the last, so the request stays the spec's size), and
//     delete the source at the version read in 2. A refusal of any op
//     (NOAUTH: a submitter of a restricted queue may not delete) changes
//     nothing; a lost reply is resolved by running 2-3 again from what is
//     there;
//  4. drop the claim, only while our session still owns it.
// So a move never loses the job (the copy and the delete are one
// transaction) and never runs it while moving (under the claim). Every
// request of 2-3 goes to the session that took the claim (session-bound.ts).
//
// A job found in two buckets, from a version of this move made of ordered
// steps (copy, then delete) cut short or from someone's hand, is finished by
// running hold or release again. Such a job still runs at most once: one
// claim znode per job number, and a claimer that finds a result only cleans
// up (claim.ts step 4). The runnable copy is the one that counts: it is
// the one daemons see and write their attempts into, while nobody writes a
// held copy. So hold makes the held copy equal to it and deletes it;
// release deletes the held copy.
//
// After a release, one more write: the queue's config is set to the bytes
// it has, at the version just read. Every daemon serving the queue, busy
// or idle, keeps an exists watch on it (daemon/queue-configs.ts), so each
// forgets its cached listing of the head of the queue, where the released
// job, older than what it cached, would otherwise wait behind up to a
// bucket of later jobs; and an idle one looks now rather than at its next
// rescan. No watch is added for it. A set that meets another version lost
// to a pause or a limit, which fired the same watch.
//
// Rights: a move deletes a spec, so on a restricted queue it takes the
// queue's admin right (acl.ts: submitters create but never delete); the
// multi is then refused whole. On an open queue anyone may, as anyone may
// cancel.
import os from 'node:os';
import type { Paths } from './zk/paths.js';
import { heldTwin } from './zk/paths.js';
import type { Acl, ZkClient } from './zk/client.js';
import type { MultiOp } from './zk/multi.js';
import { BadVersionError, NoAuthError, NoNodeError, NodeExistsError } from './zk/errors.js';
import { retry } from './zk/retry.js';
import { createEphemeralOnce, deleteIfOwned } from './zk/ephemeral.js';
import { lockAclFor } from './fleet-access.js';
import { newClaimRecord, parseClaimRecord } from './claim.js';
import { clearStrayClaimIfAllowed } from './stray-claims.js';
import { createBucket } from './submit.js';
import { aclForNew } from './acl.js';
import { readSpecCopies, type SpecCopy } from './pending-spec.js';
import { parseResult } from './result.js';
import { formatJobId, type JobId } from './job-id.js';
import { DataError, EXIT, NotAuthorizedError, NotFoundError, TempFailError, ZkjobsError } from './errors.js';

export type HoldOutcome = 'held' | 'already held' | 'released' | 'not held';

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

/** Steps 1 and 4 around the move. */
async function underClaim(zk: ZkClient, paths: Paths, id: JobId, hold: boolean): Promise<HoldOutcome> {
  const claim = paths.claim(id.queue, id.seq);
  const record = newClaimRecord(`zkjobq@${os.hostname()}`);
  const take = () => retry(async () => createEphemeralOnce(zk, claim, record, await lockAclFor(zk, paths, id.queue)));
  // A persistent node in the claim's place is no claim (stray-claims.ts): it goes, and the claim is ours.
  if (!(await take()) && !((await clearStrayClaimIfAllowed(zk, paths, id)) && (await take()))) throw await whyClaimed(zk, paths, id, hold);
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
 * Steps 2-3, from what is there now: safe to run again after a lost
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
    wrote.any = true;
    await move(zk, paths, id, heldTwin(source.bucket, true), source, twin, hold);
    return 'held';
  }
  if (!twin) return wrote.any ? 'released' : 'not held';
  wrote.any = true;
  // A runnable copy already there is a move cut short: it is the one that counts, only the held one goes.
  if (source) await deleteOnly(zk, id, twin, hold);
  else await move(zk, paths, id, heldTwin(twin.bucket, false), twin, null, hold);
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

/**
 * Step 3: the copy in `bucket` with the source's bytes and at least its
 * version, and the source deleted, as one multi. `existing`: a copy there
 * already (a move cut short), rewritten only if it differs.
 */
async function move(zk: ZkClient, paths: Paths, id: JobId, bucket: string, source: SpecCopy, existing: SpecCopy | null, hold: boolean): Promise<void> {
  const path = paths.pendingIn(id.queue, bucket, id.seq);
  const ops = [...copyOps(path, source, existing, await aclForNew(zk, paths, id.queue)), deleteOp(source)];
  for (let attempt = 0; ; attempt++) {
    try {
      await zk.multi(ops);
      return;
    } catch (err) {
      // The twin bucket is a container that may not exist yet (or was reaped): make it and try again.
      if (err instanceof NoNodeError && err.multiOp?.index === 0 && !existing && attempt < 5) {
        await createBucket(zk, paths, id.queue, paths.pendingBucket(id.queue, bucket));
        continue;
      }
      throw refusal(err, id, hold);
    }
  }
}

/**
 * Ops that leave `path` holding the source's bytes at the source's data
 * version or above. Only the last write carries the bytes: the sets in
 * between only count, and nobody sees them (one transaction).
 */
export function copyOps(path: string, source: SpecCopy, existing: SpecCopy | null, acl: Acl[] | undefined): MultiOp[] {
  const target = source.stat.version;
  let version = existing?.stat.version ?? 0;
  const ops: MultiOp[] = [];
  if (!existing) ops.push({ op: 'create', path, data: target === 0 ? source.data : '', acl });
  for (; version < target; version++) ops.push({ op: 'set', path, data: version + 1 === target ? source.data : '', version });
  if (existing && existing.stat.version >= target && !existing.data.equals(source.data)) ops.push({ op: 'set', path, data: source.data, version: existing.stat.version });
  return ops;
}

/** The source goes at the version read: a change we do not expect refuses the whole multi. */
function deleteOp(copy: SpecCopy): MultiOp {
  return { op: 'delete', path: copy.path, version: copy.stat.version };
}

/** Release of a move cut short: the held copy goes, the runnable one stays. */
async function deleteOnly(zk: ZkClient, id: JobId, copy: SpecCopy, hold: boolean): Promise<void> {
  try {
    await zk.multi([deleteOp(copy)]);
  } catch (err) {
    if (err instanceof NoNodeError) return;
    throw refusal(err, id, hold);
  }
}

/** A refused multi, said as the operator thinks of it: nothing was changed. */
function refusal(err: unknown, id: JobId, hold: boolean): unknown {
  if (err instanceof NoAuthError) {
    return new NotAuthorizedError(`not authorized to ${hold ? 'hold' : 'release'} jobs of queue ${id.queue}: this identity lacks its admin right (zkjobq create --admins; identity from --zk-auth-file or ZKJOBS_ZK_AUTH); nothing changed`, { cause: err });
  }
  if (err instanceof BadVersionError || err instanceof NodeExistsError) {
    return new ZkjobsError(`job ${formatJobId(id)} changed while being moved; nothing changed, run the command again`, EXIT.TEMPFAIL, { cause: err });
  }
  return err;
}

/** The claim is someone's: say whose, and why that stops us. */
async function whyClaimed(zk: ZkClient, paths: Paths, id: JobId, hold: boolean): Promise<ZkjobsError> {
  const node = await retry(() => zk.getOrNull(paths.claim(id.queue, id.seq)));
  const what = `only a pending job can be ${hold ? 'held' : 'released'}`;
  if (!node) return new TempFailError(`job ${formatJobId(id)} was busy a moment ago (claimed, then let go); run the command again`);
  let holder = 'a node';
  let retryAt: string | undefined;
  let ahead = false;
  try {
    const record = parseClaimRecord(node.data);
    holder = record.node;
    retryAt = record.retryAt;
    ahead = record.ahead === true;
  } catch {
    // Named as "a node".
  }
  if (/^zkjob[cq]/.test(holder)) return new TempFailError(`job ${formatJobId(id)} is being changed by ${holder} (cancel, purge, hold or release); run the command again`);
  if (retryAt) return new ZkjobsError(`job ${formatJobId(id)} failed an attempt on ${holder} and waits there to retry; ${what} (zkjobc cancel stops it)`);
  // Claimed ahead (daemon/claimed-ahead.ts): it holds its claim already, so it is no longer an unclaimed pending job.
  if (ahead) return new ZkjobsError(`job ${formatJobId(id)} is claimed ahead by ${holder}, to start running when a slot frees there; ${what} (zkjobc cancel stops it)`);
  return new ZkjobsError(`job ${formatJobId(id)} is running on ${holder}; ${what} (zkjobc cancel stops it)`);
}

/** Fire the daemons' config watches without changing the config (see the top of the file). Best effort: the job runs all the same, later. */
async function nudgeDaemons(zk: ZkClient, paths: Paths, queue: string): Promise<void> {
  try {
    await retry(async () => {
      const config = await zk.getOrNull(paths.queue(queue));
      if (config) await zk.set(paths.queue(queue), config.data, config.stat.version);
    });
  } catch {
    // Daemons find it at their next listing or rescan.
  }
}
