// Writing the history of attempts (attempt-history.ts) into the spec znode,
// inside the one versioned set that counts each attempt (claim.ts step 3,
// and a retry in daemon/job-table.ts): the bytes to write for attempt N.
import type { Paths } from './zk/paths.js';
import type { ZkClient } from './zk/client.js';
import { retry } from './zk/retry.js';
import { parseNodeRecord } from './node-record.js';
import { closeLast, runsInSpec, withRuns, type Run } from './attempt-history.js';

/**
 * The spec's bytes with attempt `attempt` started on `nodeId` now. An
 * attempt left open is closed with why it was lost: one read of its node's
 * record, only then. A spec that cannot be decoded is returned as it is
 * (the job fails on it anyway, and its bytes say why).
 */
export async function specForAttempt(zk: ZkClient, paths: Paths, specData: Buffer, attempt: number, nodeId: string, closing?: Partial<Run>): Promise<Buffer> {
  let runs = runsInSpec(specData);
  const open = runs.at(-1);
  if (closing) runs = closeLast(runs, closing);
  else if (open && open.endedAt === undefined && open.ended === undefined) {
    const why = await whyLost(zk, paths, open);
    runs = closeLast(runs, { ended: why, rerun: why });
  }
  try {
    return withRuns(specData, [...runs, { attempt, node: nodeId, startedAt: new Date().toISOString() }]);
  } catch {
    return specData;
  }
}

/** Why an attempt's daemon never closed it: its node is gone, restarted since, or lost its session. */
async function whyLost(zk: ZkClient, paths: Paths, run: Run): Promise<string> {
  const node = await retry(() => zk.getOrNull(paths.node(run.node)));
  if (!node) return 'node lost';
  try {
    return Date.parse(parseNodeRecord(node.data).startedAt) > Date.parse(run.startedAt) ? 'daemon restarted' : 'session expired';
  } catch {
    return 'node lost';
  }
}
