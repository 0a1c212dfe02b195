// Waiting for a job's result: an exists-watch on the result znode wakes us
// as soon as it is created, and a slow poll covers a watch lost across a
// reconnection. A job that vanishes without a result (purged) ends the wait.
import type { Paths } from './zk/paths.js';
import type { Stat, ZkClient } from './zk/client.js';
import { retry } from './zk/retry.js';
import { formatJobId, type JobId } from './job-id.js';
import { readResult } from './complete.js';
import { NotFoundError } from './errors.js';
import type { JobResult } from './result.js';

const POLL_MS = 2_000;

export async function waitForResult(zk: ZkClient, paths: Paths, id: JobId): Promise<JobResult> {
  const path = paths.result(id.queue, id.seq);
  let armed = false;
  let wake: () => void = () => undefined;
  for (;;) {
    const woken = new Promise<void>((resolve) => {
      wake = resolve;
    });
    // One watch at a time: a new one only after the last one fired.
    const stat: Stat | null = armed
      ? await retry(() => zk.exists(path))
      : await retry(() => zk.watchExists(path, () => {
          armed = false;
          wake();
        }));
    armed = stat === null;
    const result = stat ? await readResult(zk, paths, id) : await resultIfGone(zk, paths, id);
    if (result) return result;
    const timer = setTimeout(() => wake(), POLL_MS);
    await woken;
    clearTimeout(timer);
  }
}

/** No result yet: if the spec is gone too, the job finished just now or was removed. */
async function resultIfGone(zk: ZkClient, paths: Paths, id: JobId): Promise<JobResult | null> {
  if (await retry(() => zk.exists(paths.pendingJob(id.queue, id.seq)))) return null;
  const result = await readResult(zk, paths, id);
  if (!result) throw new NotFoundError(`no such job ${formatJobId(id)}`);
  return result;
}
