// Complete: publish a job's one result, then clean up. Order and crash points:
//  1. check that our claim still belongs to our current session (fencing):
//     a daemon that lost its session has lost the job to a peer and must
//     throw its result away;
//  2. create results/<b>/<seq> if absent: the single decision point. If it
//     already exists, another attempt won and ours is discarded;
//  3. delete the pending spec: a crash before this leaves a pending job with
//     a result, which the next claimer only cleans up (see claim.ts);
//  4. delete our claim: a crash before this leaves an ephemeral claim that
//     dies with our session; the job is already finished either way.
// What each request is for: 1 (a read) is fencing, invariant 3; 2 (a
// write) is "exactly one result", invariant 2; 3 (a write) ends the job for
// every claimer (without it the next one only cleans up, at a claim's cost);
// 4 (a write) lets the claim go now rather than with our session, which
// lives for months: claims/ would grow by one name per job. 2 must succeed
// before 3 is sent: a create refused for another reason (its bucket
// missing, an ACL) followed by a delete that went through would lose the
// job. The daemon publishes while its next job already runs (job-table.ts),
// so these round trips do not hold a slot.
// Steps 1, 2 and 3-4 are each one operation under the retry policy; they
// are not run again as a whole, because after step 4 our claim is gone and
// step 1 would call a published result lost. Step 2 recognises its own
// earlier create by its bytes; 3 and 4 delete what is still there.
//
// Steps 1 and 2 run under the session that holds the claim, or not at all
// (zk/session-bound.ts): if that session expires while a retry backs off
// and the client renews it, the next run would create the result under the
// new session, after our claim died and perhaps while a peer that
// re-claimed the job runs it. It stops with SessionChangedError instead, and the result
// is discarded as for a lost claim. A step 2 create that the server applied
// before the session ended still stands: it was made while the claim was
// ours, and a peer's claim then only finishes the cleanup (claim.ts, step 4).
// Steps 3-4 may run under a later session: once a result exists the job is
// over, and its cleanup is anyone's to finish.
import { NodeExistsError } from './zk/errors.js';
import { bucketOf, type Paths } from './zk/paths.js';
import type { ZkClient } from './zk/client.js';
import { retry } from './zk/retry.js';
import { ownsEphemeral } from './zk/ephemeral.js';
import { SessionChangedError } from './zk/session-bound.js';
import { createInBucket } from './submit.js';
import type { JobId } from './job-id.js';
import { encodeResult, parseResult, type JobResult } from './result.js';
import { findPendingSpec } from './pending-spec.js';

export type PublishOutcome = 'published' | 'duplicate' | 'claim-lost';

/**
 * Publish under `session`, the one that holds the claim (default: the
 * client's current one). `specPath`: where the claimer found the spec (the
 * bucket of its class); by default it is looked for.
 */
export async function publishResult(zk: ZkClient, paths: Paths, id: JobId, result: JobResult, session = zk.sessionId, specPath?: string): Promise<PublishOutcome> {
  const bound = zk.boundTo(session);
  let created: boolean;
  try {
    if (!(await retry(() => ownsEphemeral(bound, paths.claim(id.queue, id.seq), session)))) return 'claim-lost';
    created = await createResult(bound, paths, id, result);
  } catch (err) {
    if (err instanceof SessionChangedError) return 'claim-lost';
    throw err;
  }
  await finishCleanup(zk, paths, id, specPath);
  return created ? 'published' : 'duplicate';
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
