// Cancel. A pending job is cancelled by the canceller itself: take its claim
// (so no daemon can start it), create the 'cancelled' result (the single
// create-if-absent decision point: if a result exists, the job had already
// ended), delete the spec, drop the claim. A crash between these steps
// leaves either a claim that dies with our session or a result with a
// pending spec, which the next claimer only cleans up (see claim.ts).
//
// A running job belongs to the daemon holding its claim: the canceller
// writes a request znode that the daemon watches; the daemon kills the
// job's processes and records 'cancelled' through the normal complete path.
// The canceller removes its request once the job has a result, so a
// request for a job that ended first does not linger.
//
// On a restricted queue a submitter may create claims, results and
// requests but delete nothing (acl.ts): its cancel of a pending job stops
// after the result, which is the decision, and leaves the spec to the next
// daemon that claims it, exactly as after a crash at that point; its
// claim dies when it disconnects.
import os from 'node:os';
import type { Paths } from './zk/paths.js';
import type { ZkClient } from './zk/client.js';
import { NoAuthError } from './zk/errors.js';
import { retry } from './zk/retry.js';
import { createEphemeralOnce, deleteIfOwned } from './zk/ephemeral.js';
import { lockAclFor } from './fleet-access.js';
import { newClaimRecord } from './claim.js';
import { clearStrayClaimIfAllowed } from './stray-claims.js';
import { createResult, finishCleanup, readResult } from './complete.js';
import { readPendingSpec } from './pending-spec.js';
import { formatJobId, type JobId } from './job-id.js';
import { ZkjobsError, NotFoundError } from './errors.js';
import { makeResult, type JobResult } from './result.js';
import { parseJobSpec } from './job-spec.js';
import { decodeJsonObject, encodeJson } from './record.js';
import type { CancelledBy } from './attempt-history.js';

export type CancelOutcome = 'cancelled' | 'requested';

/** Who is asking: this client's user@host, and its ZooKeeper identity when it has one. Kept in the result. */
export function canceller(zkUser?: string): CancelledBy {
  return { by: `${os.userInfo().username}@${os.hostname()}`, ...(zkUser ? { zkUser } : {}), at: new Date().toISOString() };
}

/** The claim record, plus who asked: the same bytes serve as our claim of a pending job and as a request to a daemon. */
function requestRecord(who: CancelledBy): Buffer {
  const claim = JSON.parse(newClaimRecord(`zkjobc@${os.hostname()}`).toString()) as Record<string, unknown>;
  return encodeJson({ ...claim, by: who.by, ...(who.zkUser ? { zkUser: who.zkUser } : {}) });
}

/** Who asked for a job to be cancelled, from its request (read by the daemon that cancels it); null if unknown. */
export async function readCancelRequest(zk: ZkClient, paths: Paths, id: JobId): Promise<CancelledBy | null> {
  const node = await retry(() => zk.getOrNull(paths.cancel(id.queue, id.seq)));
  if (!node) return null;
  try {
    const fields = decodeJsonObject(node.data, 'cancel request', 64 * 1024);
    if (typeof fields.by !== 'string') return null;
    const at = typeof fields.since === 'string' ? fields.since : node.stat.ctime.toISOString();
    return { by: fields.by.slice(0, 200), ...(typeof fields.zkUser === 'string' ? { zkUser: fields.zkUser.slice(0, 200) } : {}), at };
  } catch {
    return null; // an unreadable request still cancels; it just names nobody
  }
}

export async function cancelJob(zk: ZkClient, paths: Paths, id: JobId, who: CancelledBy = canceller()): Promise<CancelOutcome> {
  await refuseIfFinished(zk, paths, id);
  const claim = paths.claim(id.queue, id.seq);
  const me = requestRecord(who);
  const take = () => retry(async () => createEphemeralOnce(zk, claim, me, await lockAclFor(zk, paths, id.queue)));
  // A persistent node in the claim's place is no claim (stray-claims.ts): it goes, and the claim is ours.
  if (!(await take()) && !((await clearStrayClaimIfAllowed(zk, paths, id)) && (await take()))) {
    await requestCancel(zk, paths, id, me);
    return 'requested';
  }
  const spec = await retry(() => readPendingSpec(zk, paths, id));
  if (!spec) {
    await retry(() => deleteIfOwned(zk, claim));
    await refuseIfFinished(zk, paths, id);
    throw new NotFoundError(`no such job ${formatJobId(id)}`);
  }
  const created = await createResult(zk, paths, id, cancelledResult(spec.data, who));
  await unlessNotAllowed(finishCleanup(zk, paths, id, spec.path));
  if (!created) await refuseIfFinished(zk, paths, id);
  return 'cancelled';
}

/** Ask the daemon that runs a job to cancel it (the request znode it watches). */
export async function requestCancel(zk: ZkClient, paths: Paths, id: JobId, who: Buffer = newClaimRecord(`zkjobq@${os.hostname()}`)): Promise<void> {
  await retry(() => zk.createIfAbsent(paths.cancel(id.queue, id.seq), who));
}

/** Remove our request once the job has ended, whoever ended it (the daemon does when it cancelled it). */
export async function withdrawRequest(zk: ZkClient, paths: Paths, id: JobId): Promise<void> {
  await unlessNotAllowed(retry(() => zk.deleteIfExists(paths.cancel(id.queue, id.seq))));
}

/** A cleanup that only admins and daemons may do on a restricted queue: theirs to finish. */
async function unlessNotAllowed(cleanup: Promise<unknown>): Promise<void> {
  try {
    await cleanup;
  } catch (err) {
    if (!(err instanceof NoAuthError)) throw err;
  }
}

async function refuseIfFinished(zk: ZkClient, paths: Paths, id: JobId): Promise<void> {
  const result = await readResult(zk, paths, id).catch(() => null);
  if (result) throw new ZkjobsError(`job ${formatJobId(id)} already ${result.state}; nothing to cancel`);
}

function cancelledResult(specData: Buffer, who: CancelledBy): JobResult {
  let spec = null;
  try {
    spec = parseJobSpec(specData);
  } catch {
    // A bad spec is cancelled all the same.
  }
  return makeResult({ state: 'cancelled', reason: 'cancelled before it started', node: `zkjobc@${os.hostname()}`, attempt: 0, spec, cancelledBy: who });
}
