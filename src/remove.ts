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
import type { Paths } from './zk/paths.js';
import type { ZkClient } from './zk/client.js';
import { retry } from './zk/retry.js';
import { formatJobId, type JobId } from './job-id.js';
import { readResult } from './complete.js';
import { findPendingSpec } from './pending-spec.js';
import { removePending } from './purge.js';
import { submitJob } from './submit.js';
import { DataError, NotFoundError, ZkjobsError } from './errors.js';

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

export async function requeueJob(zk: ZkClient, paths: Paths, id: JobId): Promise<JobId> {
  const result = await readResult(zk, paths, id);
  if (!result) {
    const pending = await retry(() => findPendingSpec(zk, paths, id));
    throw pending ? new ZkjobsError(`job ${formatJobId(id)} has not ended; nothing to requeue`) : new NotFoundError(`no such job ${formatJobId(id)}`);
  }
  if (!result.spec) throw new DataError(`job ${formatJobId(id)} has no readable spec to requeue`);
  return submitJob(zk, paths, id.queue, { ...result.spec, submittedAt: new Date().toISOString() });
}
