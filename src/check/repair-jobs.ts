// Repairs of a job's records. Each runs under the job's claim (job-lock.ts),
// so no daemon starts, cleans up or publishes for the job meanwhile; each
// is a few single operations whose order is safe at every crash point
// (said per repair). Each returns what it did, in words.
import os from 'node:os';
import type { ZkClient } from '../zk/client.js';
import type { Paths } from '../zk/paths.js';
import { bucketOf } from '../zk/paths.js';
import { retry } from '../zk/retry.js';
import { BadVersionError, NodeExistsError } from '../zk/errors.js';
import { createInBucket } from '../submit.js';
import { encodeResult, makeResult, parseResult, type JobResult } from '../result.js';
import { parseJobSpec, type JobSpec } from '../job-spec.js';
import type { JobId } from '../job-id.js';
import { formatSeq } from './names.js';

export interface JobRepair {
  zk: ZkClient;
  paths: Paths;
  id: JobId;
}

/**
 * A spec outside its bucket. If the job has its proper spec or a result,
 * this copy is redundant: delete it. Otherwise it is the job's only record:
 * create the proper spec with the same bytes, then delete the copy. A
 * crash between the two leaves both, and the next check deletes the copy.
 * Daemons only ever run the proper path, and we hold the claim, so the job
 * starts once, after we let go.
 */
export async function placeSpec(r: JobRepair, from: string): Promise<string> {
  const { zk, paths, id } = r;
  const [copy, spec, result] = await retry(() =>
    Promise.all([
      zk.getOrNull(from),
      zk.exists(paths.pendingJob(id.queue, id.seq)),
      zk.exists(paths.result(id.queue, id.seq)),
    ]),
  );
  if (!copy) return 'already gone';
  if (spec || result) {
    await retry(() => zk.deleteIfExists(from));
    return `deleted the copy: the job has its ${spec ? 'spec' : 'result'} in place`;
  }
  if (!(await putCopy(r, paths.pendingBucket(id.queue, bucketOf(id.seq)), paths.pendingJob(id.queue, id.seq), copy.data))) return SOMETHING_ELSE;
  await retry(() => zk.deleteIfExists(from));
  return `moved to pending/${bucketOf(id.seq)}/${formatSeq(id.seq)}: the job is pending`;
}

/**
 * A result outside its bucket. Redundant beside a proper result: delete
 * it. Beside a pending spec that was never started (attempt 0, the spec's
 * data version), it cannot be this job's result: delete it and the job
 * runs. Otherwise it is the job's outcome: create it in place (the single
 * create-if-absent decision), then delete the copy, then the spec if one
 * was left (the result is in place first, so a crash never makes the job
 * pending again).
 */
export async function placeResult(r: JobRepair, from: string): Promise<string> {
  const { zk, paths, id } = r;
  const [copy, spec, result] = await retry(() =>
    Promise.all([
      zk.getOrNull(from),
      zk.exists(paths.pendingJob(id.queue, id.seq)),
      zk.exists(paths.result(id.queue, id.seq)),
    ]),
  );
  if (!copy) return 'already gone';
  if (result || (spec && spec.version === 0)) {
    await retry(() => zk.deleteIfExists(from));
    return result ? 'deleted the copy: the job has its result in place' : 'deleted it: the job never started, this is not its result';
  }
  if (!(await putCopy(r, paths.resultBucket(id.queue, bucketOf(id.seq)), paths.result(id.queue, id.seq), copy.data))) return SOMETHING_ELSE;
  await retry(() => zk.deleteIfExists(from));
  if (spec) await retry(() => zk.deleteIfExists(paths.pendingJob(id.queue, id.seq)));
  return `moved to results/${bucketOf(id.seq)}/${formatSeq(id.seq)}${spec ? ', and the pending spec deleted' : ''}`;
}

const SOMETHING_ELSE = 'skipped: other bytes appeared at the proper path meanwhile; run check again';

/**
 * Create the proper znode with the copy's bytes; false if other bytes are
 * there. Under the retry policy a lost reply is recognised by the bytes:
 * nobody else writes that path while we hold the job's claim, except a
 * submit handed this number by a counter that was behind.
 */
function putCopy(r: JobRepair, bucket: string, path: string, data: Buffer): Promise<boolean> {
  return retry(async () => {
    try {
      await createInBucket(r.zk, r.paths, r.id.queue, bucket, path, data);
      return true;
    } catch (err) {
      if (!(err instanceof NodeExistsError)) throw err;
      const there = await r.zk.getOrNull(path);
      return there !== null && there.data.equals(data);
    }
  });
}

/** Result and pending spec: the result stands, delete the spec (complete.ts step 3, as the next claimer would). */
export async function finishCleanup(r: JobRepair): Promise<string> {
  const { zk, paths, id } = r;
  if (!(await retry(() => zk.exists(paths.result(id.queue, id.seq))))) return 'nothing to do: the result is gone';
  return (await retry(() => zk.deleteIfExists(paths.pendingJob(id.queue, id.seq)))) ? 'deleted the pending spec' : 'already cleaned up';
}

/**
 * An unreadable result. A pending spec at attempt 0 means the job never
 * started, so this is not its outcome: delete the result (at the version
 * read) and the job runs, once. Otherwise the job may have run: replace the
 * record (at the version read) with a failed result that says why, and
 * delete a spec left pending, result first for the same reason as above.
 */
export async function rewriteResult(r: JobRepair): Promise<string> {
  const { zk, paths, id } = r;
  const path = paths.result(id.queue, id.seq);
  const [result, spec] = await retry(() => Promise.all([zk.getOrNull(path), zk.getOrNull(paths.pendingJob(id.queue, id.seq))]));
  if (!result) return 'already gone';
  let reason: string;
  try {
    parseResult(result.data);
    return 'nothing to do: it reads fine now';
  } catch (err) {
    reason = (err as Error).message;
  }
  try {
    if (spec && spec.stat.version === 0) {
      await retry(() => zk.delete(path, result.stat.version));
      return 'deleted it: the job never started and will run';
    }
    await retry(() => zk.set(path, encodeResult(failedResult(reason, spec?.data ?? null, spec?.stat.version ?? 0)), result.stat.version));
  } catch (err) {
    if (err instanceof BadVersionError) return 'skipped: it changed meanwhile; run check again';
    throw err;
  }
  if (spec) await retry(() => zk.deleteIfExists(paths.pendingJob(id.queue, id.seq)));
  return `replaced it with a failed result${spec ? ', and deleted the pending spec' : ''}`;
}

function failedResult(reason: string, specData: Buffer | null, attempt: number): JobResult {
  let spec: JobSpec | null = null;
  try {
    spec = specData ? parseJobSpec(specData) : null;
  } catch {
    // Kept null: requeue then refuses, and says why.
  }
  return makeResult({
    state: 'failed',
    reason: `its result record was unreadable (${reason}); replaced by zkjobq check --repair`,
    node: `zkjobq-check@${os.hostname()}`,
    attempt,
    spec,
  });
}
