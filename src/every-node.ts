// Run one command on every node: `zkjobc submit --every-node`. One copy per
// live daemon that serves the queue (and has the required tags) at
// submission, each pinned to its node by requiring its node=ID tag, which no
// other node has (placement.ts): no other node ever runs it, however busy
// its own node is. The copies take consecutive numbers, reserved with one
// counter update, and the group id names them: QUEUE/FIRST+COUNT.
//
// Crash points of the submit: after the reservation, a gap (nothing
// printed, nothing promised); midway through the creates, some copies exist
// and run, visible in zkjobq list, and no group id was printed.
//
// A copy whose node is gone (no node record: its session ended, the daemon
// died or left) and that nobody has claimed will never run: whoever waits
// on the group ends it as failed, reason `node lost`. Order: see the node
// record gone; take the copy's claim as a daemon would (held: someone runs
// it, leave it); see the record still gone (a node back under the same id
// is left to run it); create the result if absent (complete.ts); delete
// the spec; drop the claim. A crash after the result leaves a spec beside
// a result, which the next claimer or zkjobq check only cleans up.
import { parsePendingBucket, parseSeqInBucket, type Paths } from './zk/paths.js';
import type { ZkClient } from './zk/client.js';
import { retry } from './zk/retry.js';
import { DataError, NotFoundError } from './errors.js';
import { checkQueueName, formatJobId, formatSeq, type JobId } from './job-id.js';
import { createJobSpec, reserveSequences } from './submit.js';
import { encodeJobSpec, parseJobSpec, requirementsOf, type JobSpec } from './job-spec.js';
import { eligible, nodeTag, normaliseTags } from './placement.js';
import { liveOffers } from './placement-check.js';
import type { SpecSigner } from './submitter-key.js';
import { readPendingSpec } from './pending-spec.js';
import { createResult } from './complete.js';
import { newClaimRecord } from './claim.js';
import { createEphemeralOnce, deleteIfOwned } from './zk/ephemeral.js';
import os from 'node:os';
import { makeResult } from './result.js';

export interface Group {
  queue: string;
  first: number;
  count: number;
}

/** The most copies one group may have: a fleet, not a queue. */
export const MAX_GROUP = 10_000;
export const NODE_LOST = 'node lost';

export function formatGroup(g: Group): string {
  return `${g.queue}/${formatSeq(g.first)}+${g.count}`;
}

export function isGroupId(text: string): boolean {
  return /\/\d{1,10}\+\d+$/.test(text);
}

export function parseGroup(text: string): Group {
  const m = /^(.+)\/(\d{1,10})\+(\d{1,5})$/.exec(text);
  if (!m || Number(m[3]) < 1 || Number(m[3]) > MAX_GROUP) throw new DataError(`invalid group id ${JSON.stringify(text)}: expected QUEUE/NUMBER+COUNT, as submit --every-node prints it`);
  return { queue: checkQueueName(m[1]), first: Number(m[2]), count: Number(m[3]) };
}

export function members(g: Group): JobId[] {
  return Array.from({ length: g.count }, (_, i) => ({ queue: g.queue, seq: g.first + i }));
}

/** The node a copy is pinned to, from its node= tag. */
export function pinnedNode(spec: JobSpec): string | null {
  const tag = (spec.require ?? []).find((t) => t.startsWith('node='));
  return tag ? tag.slice('node='.length) : null;
}

/** Submit one copy per eligible live node; returns the group and each copy's node. */
export async function submitEveryNode(zk: ZkClient, paths: Paths, queue: string, spec: JobSpec, sign?: SpecSigner): Promise<{ group: Group; nodes: string[] }> {
  checkQueueName(queue);
  if ((spec.require ?? []).some((t) => t.startsWith('node='))) throw new DataError('--every-node pins each copy to its node itself: --require node=… makes no sense with it');
  const requirements = requirementsOf(spec);
  const nodes = (await retry(() => liveOffers(zk, paths, queue))).filter((n) => eligible(requirements, n)).map((n) => n.id).sort();
  if (nodes.length === 0) {
    const tags = requirements.tags.length > 0 ? ` with tags ${requirements.tags.join(',')}` : '';
    throw new NotFoundError(`no live node${tags} serves queue ${queue}; nothing submitted`);
  }
  if (nodes.length > MAX_GROUP) throw new DataError(`${nodes.length} nodes: more than ${MAX_GROUP} copies in one group`);
  const first = await reserveSequences(zk, paths, queue, nodes.length);
  const group: Group = { queue, first, count: nodes.length };
  for (const [i, node] of nodes.entries()) {
    const id = { queue, seq: first + i };
    const copy: JobSpec = { ...spec, require: normaliseTags([...(spec.require ?? []), nodeTag(node)]), group: formatGroup(group) };
    const data = encodeJobSpec(sign ? sign(id, copy) : copy);
    await createJobSpec(zk, paths, id, data, requirementsOf(copy));
  }
  return { group, nodes };
}

/**
 * End every pinned job of the queue whose node is not among `live` (a
 * daemon does this when a peer leaves): what a waiter would do, so that
 * listings say `node lost` without anyone waiting. Cheap: pending/ lists
 * one name per bucket and class, and only the buckets pinned to a node
 * that is gone are listed. Returns how many were ended.
 */
export async function settleLostCopies(zk: ZkClient, paths: Paths, queue: string, live: ReadonlySet<string>, by: string): Promise<number> {
  let ended = 0;
  for (const bucket of await retry(() => zk.childrenOrEmpty(paths.pending(queue)))) {
    const pin = parsePendingBucket(bucket)?.requirements.tags.find((t) => t.startsWith('node='));
    if (!pin || live.has(pin.slice('node='.length))) continue;
    for (const name of await retry(() => zk.childrenOrEmpty(paths.pendingBucket(queue, bucket)))) {
      const seq = parseSeqInBucket(bucket, name);
      if (seq !== null && (await settleIfNodeLost(zk, paths, { queue, seq }, null, by)).lost) ended++;
    }
  }
  return ended;
}

/**
 * One pass over a copy that has no result yet: if its node is gone and
 * nobody holds its claim, end it as failed, `node lost`. Returns the node
 * it is pinned to (null when the copy is not the group's).
 */
export async function settleIfNodeLost(zk: ZkClient, paths: Paths, id: JobId, group: Group | null, by = `zkjobc@${os.hostname()}`): Promise<{ node: string | null; lost: boolean; gone: boolean }> {
  const found = await retry(() => readPendingSpec(zk, paths, id));
  if (!found) return { node: null, lost: false, gone: true };
  let spec: JobSpec;
  try {
    spec = parseJobSpec(found.data);
  } catch {
    return { node: null, lost: false, gone: false };
  }
  if (group && spec.group !== formatGroup(group)) throw new DataError(`job ${formatJobId(id)} is not a copy of group ${formatGroup(group)}`);
  const node = pinnedNode(spec);
  if (!node) return { node, lost: false, gone: false };
  if (await retry(() => zk.exists(paths.node(node)))) return { node, lost: false, gone: false };
  // Its node is gone: take the copy's claim, as a daemon would, so that no
  // one starts it while we end it (a node back under the same id finds it
  // held, then finds the result). Held by someone: it is being run.
  const claim = paths.claim(id.queue, id.seq);
  if (!(await retry(() => createEphemeralOnce(zk, claim, newClaimRecord(by))))) return { node, lost: false, gone: false };
  try {
    // Came back between the two reads: its to run.
    if (await retry(() => zk.exists(paths.node(node)))) return { node, lost: false, gone: false };
    const result = makeResult({ state: 'failed', reason: NODE_LOST, node, attempt: found.stat.version, spec });
    await createResult(zk, paths, id, result);
    await retry(() => zk.deleteIfExists(found.path));
    return { node, lost: true, gone: false };
  } finally {
    await retry(() => deleteIfOwned(zk, claim));
  }
}
