// Waiting for every copy of an --every-node group (every-node.ts). Each pass
// reads the results of the copies not yet ended; a copy without one whose
// node is gone is ended as `node lost` (every-node.ts), so that the wait
// ends even when a node dies before running its copy. Polls once a second:
// a group is a fleet's worth of znodes, not a queue's, and a watch per copy
// would leave one behind in the server per copy for nothing.
import type { Paths } from './zk/paths.js';
import type { ZkClient } from './zk/client.js';
import { retry } from './zk/retry.js';
import { formatJobId, type JobId } from './job-id.js';
import { parseResult } from './result.js';
import { clientTrust, distrustOf } from './authorized-daemons.js';
import { members, settleIfNodeLost, type Group } from './every-node.js';
import type { CheckedResult } from './wait.js';

const POLL_MS = 1_000;

export interface CopyOutcome {
  id: JobId;
  /** The node the copy ran on, or was pinned to. */
  node: string;
  /** Its result; null when the copy was removed without one (zkjobq rm, purge). */
  checked: CheckedResult | null;
}

export async function waitForGroup(zk: ZkClient, paths: Paths, group: Group): Promise<CopyOutcome[]> {
  const done = new Map<number, CopyOutcome>();
  const pinned = new Map<number, string>();
  for (;;) {
    for (const id of members(group)) {
      if (done.has(id.seq)) continue;
      const checked = await readChecked(zk, paths, id);
      if (checked) {
        done.set(id.seq, { id, node: checked.result.node, checked });
        continue;
      }
      const settled = await settleIfNodeLost(zk, paths, id, group);
      if (settled.node) pinned.set(id.seq, settled.node);
      const after = settled.lost || settled.gone ? await readChecked(zk, paths, id) : null;
      if (after) done.set(id.seq, { id, node: after.result.node, checked: after });
      else if (settled.gone) done.set(id.seq, { id, node: pinned.get(id.seq) ?? '?', checked: null });
    }
    if (done.size === group.count) return [...done.values()].sort((a, b) => a.id.seq - b.id.seq);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function readChecked(zk: ZkClient, paths: Paths, id: JobId): Promise<CheckedResult | null> {
  const node = await retry(() => zk.getOrNull(paths.result(id.queue, id.seq)));
  if (!node) return null;
  const result = parseResult(node.data);
  return { result, unverified: distrustOf(node.data, id, result, clientTrust()) };
}

/** "n1: succeeded", "n2: failed exit 3", "n3: failed (node lost)": one line per copy. */
export function describeCopy(c: CopyOutcome): string {
  if (!c.checked) return `${c.node}: ${formatJobId(c.id)} removed without a result`;
  const r = c.checked.result;
  const parts = [`${c.node}:`, formatJobId(c.id), r.state];
  if (r.signal) parts.push(`signal ${r.signal}`);
  else if (r.exitCode !== null) parts.push(`exit ${r.exitCode}`);
  if (r.reason) parts.push(`(${r.reason})`);
  if (c.checked.unverified) parts.push(`(not believed: ${c.checked.unverified})`);
  return parts.join(' ');
}
