// Complete: publish a job's one result and end the job, in one multi
// (a ZooKeeper transaction, zk/multi.ts) sent under the session that holds
// the claim:
//  a. create results/<b>/<seq>: the single decision point ("exactly one
//     result", invariant 2). NodeExists: another attempt won, or this is
//     our own earlier multi whose reply was lost (its bytes tell);
//  b. delete the pending spec at the version our attempt gave it: ends the
//     job for every claimer, and fences the publish (below);
//  c. delete our claim: it goes now rather than with our session, which
//     lives for months (claims/ would grow by one name per job).
// All or nothing: a crash or a lost connection leaves the job either
// finished (result, no spec, no claim) or as it was (spec, our claim), never
// a result beside a pending spec, and no order between a, b and c matters.
// One request and one write per job, where separate steps cost a read (the
// owner check) and three writes.
//
// Fencing (invariant 3, docs/fencing.md): the multi applies only if
//  - the session that claimed the job still lives: it is sent through a
//    view bound to that session (zk/session-bound.ts), which refuses to
//    send it under a renewed one, and the server refuses an expired one;
//  - the spec's version is still our attempt's: any other claimer sets it
//    in the same multi that creates its claim (claim.ts), so a peer that
//    took the job over after our claim died fails b with BadVersion, and a
//    job removed meanwhile fails it with NoNode;
//  - the claim still exists (c).
// Any of those failing applies nothing: the result is thrown away
// ('claim-lost'), and our claim, if it is still ours, is released.
//
// Safe to run again after a lost connection, as a whole: a multi whose
// reply was lost may have been applied, and then the next try fails at a
// on a result with our own bytes, which is a publish. The daemon signs a
// result once, before its first try, so every try writes the same bytes.
// A missing result bucket (a) is created and the multi sent again.
import { BadVersionError, NodeExistsError, NoNodeError, ZkError } from './zk/errors.js';
import { bucketOf, type Paths } from './zk/paths.js';
import type { ZkClient } from './zk/client.js';
import { retry } from './zk/retry.js';
import { deleteIfOwned } from './zk/ephemeral.js';
import { SessionChangedError } from './zk/session-bound.js';
import { aclForNew } from './acl.js';
import { createBucket, createInBucket } from './submit.js';
import type { JobId } from './job-id.js';
import { encodeResult, parseResult, type JobResult } from './result.js';
import { findPendingSpec } from './pending-spec.js';

export type PublishOutcome = 'published' | 'duplicate' | 'claim-lost';

/** The claim a result is published under: what the multi's fencing checks. */
export interface ClaimHold {
  /** The session that created the claim (default: the client's current one). */
  session?: string;
  /** Where the claimer found the spec (the bucket of its class); by default it is looked for. */
  specPath?: string;
  /** The spec's version our attempt set (default: the result's attempt, which is that version). */
  specVersion?: number;
}

/** Publish `result` and end the job in one multi, fenced by the claim (see the top of the file). */
export async function publishResult(zk: ZkClient, paths: Paths, id: JobId, result: JobResult, hold: ClaimHold = {}): Promise<PublishOutcome> {
  const session = hold.session ?? zk.sessionId;
  const bound = zk.boundTo(session);
  const data = encodeResult(result);
  let outcome: PublishOutcome;
  let specPath = hold.specPath;
  try {
    specPath ??= (await retry(() => findPendingSpec(bound, paths, id))) ?? paths.pendingJob(id.queue, id.seq);
    const target = { id, data, specPath, specVersion: hold.specVersion ?? result.attempt, session };
    outcome = await retry(() => publishOnce(bound, paths, target));
  } catch (err) {
    if (err instanceof SessionChangedError) return 'claim-lost';
    throw err;
  }
  // Another attempt's result stands: the job is over, its cleanup anyone's.
  if (outcome === 'duplicate') await finishCleanup(zk, paths, id, specPath);
  return outcome;
}

interface PublishTarget {
  id: JobId;
  data: Buffer;
  specPath: string;
  specVersion: number;
  session: string;
}

/** One try of the multi, and what its failure means; safe to run again after a lost connection. */
async function publishOnce(zk: ZkClient, paths: Paths, t: PublishTarget): Promise<PublishOutcome> {
  const resultPath = paths.result(t.id.queue, t.id.seq);
  const claim = paths.claim(t.id.queue, t.id.seq);
  for (let tries = 0; ; tries++) {
    try {
      await zk.multi([
        { op: 'create', path: resultPath, data: t.data, acl: await aclForNew(zk, paths, t.id.queue) },
        { op: 'delete', path: t.specPath, version: t.specVersion },
        { op: 'delete', path: claim },
      ]);
      return 'published';
    } catch (err) {
      if (!(err instanceof ZkError) || err.multiOp === undefined) throw err;
      if (err.multiOp.index === 0 && err instanceof NodeExistsError) {
        // Our own earlier multi (reply lost), or another attempt's result.
        const existing = await zk.getOrNull(resultPath);
        return existing?.data.equals(t.data) ? 'published' : 'duplicate';
      }
      if (err.multiOp.index === 0 && err instanceof NoNodeError && tries < 5) {
        await createBucket(zk, paths, t.id.queue, paths.resultBucket(t.id.queue, bucketOf(t.id.seq)));
        continue;
      }
      if (!(err instanceof NoNodeError || err instanceof BadVersionError)) throw err;
      // The spec is gone or another attempt began, or our claim is gone: fenced.
      await deleteIfOwned(zk, claim, t.session);
      return 'claim-lost';
    }
  }
}

/** Create-if-absent; a retry after connection loss recognises its own earlier create. */
export function createResult(zk: ZkClient, paths: Paths, id: JobId, result: JobResult): Promise<boolean> {
  const path = paths.result(id.queue, id.seq);
  const data = encodeResult(result);
  return retry(async () => {
    try {
      await createInBucket(zk, paths, id.queue, paths.resultBucket(id.queue, bucketOf(id.seq)), path, data);
      return true;
    } catch (err) {
      if (!(err instanceof NodeExistsError)) throw err;
      const existing = await zk.getOrNull(path);
      return existing !== null && existing.data.equals(data);
    }
  });
}

/** Steps 3 and 4: idempotent, so any claimer may finish a crashed peer's cleanup. */
export function finishCleanup(zk: ZkClient, paths: Paths, id: JobId, specPath?: string): Promise<void> {
  return retry(() => finishCleanupOnce(zk, paths, id, specPath));
}

/**
 * finishCleanup without the retry policy, for operations that already run
 * under it. Without `specPath`, a spec not in the plain bucket is looked for
 * in its class buckets first (pending-spec.ts), still before the claim goes.
 */
export async function finishCleanupOnce(zk: ZkClient, paths: Paths, id: JobId, specPath?: string): Promise<void> {
  const path = specPath ?? (await findPendingSpec(zk, paths, id)) ?? paths.pendingJob(id.queue, id.seq);
  // Sent together: one session's requests are applied in the order sent, so
  // the spec still goes before the claim.
  await Promise.all([zk.deleteIfExists(path), zk.deleteIfExists(paths.claim(id.queue, id.seq))]);
}

export async function readResult(zk: ZkClient, paths: Paths, id: JobId): Promise<JobResult | null> {
  const node = await retry(() => zk.getOrNull(paths.result(id.queue, id.seq)));
  return node ? parseResult(node.data) : null;
}
