// Whether any live node could run a job with these requirements, read from
// the node records (placement.ts): what `zkjobc submit` warns about. Only
// jobs with requirements are checked, so a plain submit costs no extra read.
import type { Paths } from './zk/paths.js';
import type { ZkClient } from './zk/client.js';
import { listNodes } from './node-registry.js';
import { isUnconstrained, whyNoNode, type NodeOffer, type Requirements } from './placement.js';

/** Live, undrained nodes serving `queue`, as offers. */
export async function liveOffers(zk: ZkClient, paths: Paths, queue: string): Promise<(NodeOffer & { id: string })[]> {
  const nodes = await listNodes(zk, paths);
  return nodes
    .filter((n) => n.record !== null && n.record.queues.includes(queue) && n.record.draining !== true)
    .map((n) => ({ id: n.id, tags: n.record!.tags ?? [], slots: n.record!.slots, memTotal: n.record!.memTotal }));
}

/** Why no live node can run such a job now, or null when one can (or it needs nothing). */
export async function unplaceable(zk: ZkClient, paths: Paths, queue: string, requirements: Requirements): Promise<string | null> {
  if (isUnconstrained(requirements)) return null;
  return whyNoNode(requirements, await liveOffers(zk, paths, queue));
}
