// Waiting for a job's result: an exists-watch on the result znode wakes us
// as soon as it is created, and a slow poll covers a watch lost across a
// reconnection. A job that vanishes without a result (purged) ends the wait.
// The result comes with the reason it is not believed, if it is not
// (authorized-daemons.ts): a caller must never report such a one as what
// it claims.
import type { Paths } from './zk/paths.js';
import type { Stat, ZkClient } from './zk/client.js';
import { retry } from './zk/retry.js';
import { formatJobId, type JobId } from './job-id.js';
import { NotFoundError } from './errors.js';
import { parseResult, type JobResult } from './result.js';
import { clientTrust, distrustOf } from './authorized-daemons.js';
import { findPendingSpec } from './pending-spec.js';

export interface CheckedResult {
  result: JobResult;
  /** Why it is not believed; null when it is, or when there is no trust file. */
  unverified: string | null;
}

const POLL_MS = 2_000;

export async function waitForResult(zk: ZkClient, paths: Paths, id: JobId): Promise<CheckedResult> {
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
    const result = stat ? await readChecked(zk, paths, id) : await resultIfGone(zk, paths, id);
    if (result) return result;
    const timer = setTimeout(() => wake(), POLL_MS);
    await woken;
    clearTimeout(timer);
  }
}

/** No result yet: if the spec is gone too, the job finished just now or was removed. */
async function resultIfGone(zk: ZkClient, paths: Paths, id: JobId): Promise<CheckedResult | null> {
  if (await retry(() => findPendingSpec(zk, paths, id))) return null;
  const result = await readChecked(zk, paths, id);
  if (!result) throw new NotFoundError(`no such job ${formatJobId(id)}`);
  return result;
}

async function readChecked(zk: ZkClient, paths: Paths, id: JobId): Promise<CheckedResult | null> {
  const node = await retry(() => zk.getOrNull(paths.result(id.queue, id.seq)));
  if (!node) return null;
  const result = parseResult(node.data);
  return { result, unverified: distrustOf(node.data, id, result, clientTrust()) };
}
