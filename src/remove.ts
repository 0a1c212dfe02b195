// Removing one job (zkjobq rm) and requeueing a finished one (zkjobq requeue).
//
// rm: a finished job loses its result; a pending one is removed as purge
// does (claim first, so no daemon starts it meanwhile); a running one is
// refused: cancel it first. A finished job may still have its spec (a crash
// between publishing and cleanup): the spec goes first and the result
// last, because a spec without a result is a pending job that would run
// again.
//
// requeue resubmits a finished job's spec (succeeded ones too: running a
// good job again is an operator's call) under a NEW id and keeps the old
// result. Reusing the id would need two operations without a
// transaction (recreate the spec, delete the result), and a crash between
// them leaves either a job with no record at all or a pending spec beside
// a result, which a claimer treats as finished. A new id is safe at every
// crash point: at worst the requeue did not happen and can be repeated.
// The new job's history starts with an entry for the old one (attempt 0:
// where it ran, how it ended, "requeue of Q/N by user@host"), so `show`
// answers why it ran again. The old spec's signature covers the old job
// number and would be refused as a replay: the requeuer signs again with
// their own key, or the job goes unsigned.
import type { Paths } from './zk/paths.js';
import type { ZkClient } from './zk/client.js';
import { retry } from './zk/retry.js';
import { formatJobId, type JobId } from './job-id.js';
import { readResult } from './complete.js';
import { findPendingSpec } from './pending-spec.js';
import { removePending } from './purge.js';
import { submitJob } from './submit.js';
import { DataError, NotFoundError, ZkjobsError } from './errors.js';
import type { JobResult } from './result.js';
import type { Run } from './attempt-history.js';
import type { SpecSigner } from './submitter-key.js';

export async function removeJob(zk: ZkClient, paths: Paths, id: JobId): Promise<'finished' | 'pending'> {
  if (await retry(() => zk.exists(paths.result(id.queue, id.seq)))) {
    // Spec first, result last (see above); safe to run again as a whole.
    await retry(async () => {
      const spec = await findPendingSpec(zk, paths, id);
      if (spec) await zk.deleteIfExists(spec);
      await zk.deleteIfExists(paths.result(id.queue, id.seq));
    });
    return 'finished';
  }
  const outcome = await removePending(zk, paths, id);
  if (outcome === 'running') throw new ZkjobsError(`job ${formatJobId(id)} is running; cancel it first (zkjobc cancel)`);
  if (outcome === 'gone') throw new NotFoundError(`no such job ${formatJobId(id)}`);
  return 'pending';
}

/** `by` is who requeues (user@host), for the history; `sign` their key, if they have one. */
export async function requeueJob(zk: ZkClient, paths: Paths, id: JobId, by: string, sign?: SpecSigner): Promise<JobId> {
  const result = await readResult(zk, paths, id);
  if (!result) {
    const pending = await retry(() => findPendingSpec(zk, paths, id));
    throw pending ? new ZkjobsError(`job ${formatJobId(id)} has not ended; nothing to requeue`) : new NotFoundError(`no such job ${formatJobId(id)}`);
  }
  if (!result.spec) throw new DataError(`job ${formatJobId(id)} has no readable spec to requeue`);
  const { signature: _stale, ...spec } = result.spec;
  return submitJob(zk, paths, id.queue, { ...spec, submittedAt: new Date().toISOString() }, sign, [requeuedRun(id, result, by)]);
}

/** The old job as the first entry of the new one's history. */
function requeuedRun(id: JobId, result: JobResult, by: string): Run {
  return {
    attempt: 0,
    node: result.node,
    startedAt: result.startedAt ?? result.finishedAt,
    endedAt: result.finishedAt,
    exitCode: result.exitCode,
    signal: result.signal,
    ended: result.state,
    rerun: `requeue of ${formatJobId(id)} by ${by}`,
  };
}
