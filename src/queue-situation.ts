// What a pending job's reason (pending-reason.ts) is worked out from: the
// queue's config, how many of its run slots are held cluster-wide, and the
// live nodes that serve it. A few reads per queue, whatever its depth: the
// node list is read once and shared by every queue of a listing.
import type { Paths } from './zk/paths.js';
import type { ZkClient } from './zk/client.js';
import { retry } from './zk/retry.js';
import { readQueueConfig, type ServedQueueConfig } from './queue.js';
import { listNodes, type NodeEntry } from './node-registry.js';
import type { NodeRecord } from './node-record.js';
import type { JobStatus } from './status.js';
import { explainPending } from './pending-reason.js';

export interface ServingNode {
  id: string;
  record: NodeRecord;
  /** Told to claim nothing (zkjobq drain). */
  draining: boolean;
}

export interface QueueSituation {
  queue: string;
  config: ServedQueueConfig;
  /** Run slots held (queues/<q>/slots): the queue's running jobs, when it has a limit; 0 otherwise. */
  slotsHeld: number;
  /** Live nodes whose record says they serve this queue. */
  servers: ServingNode[];
}

/** The live nodes, read once for all the queues of one command. */
export function readNodes(zk: ZkClient, paths: Paths): Promise<NodeEntry[]> {
  return listNodes(zk, paths);
}

export async function readSituation(zk: ZkClient, paths: Paths, queue: string, nodes: NodeEntry[]): Promise<QueueSituation> {
  const config = await readQueueConfig(zk, paths, queue);
  const slotsHeld = config.maxRunning === null ? 0 : (await retry(() => zk.childrenOrEmpty(paths.slots(queue)))).length;
  const servers = nodes
    .filter((n): n is NodeEntry & { record: NodeRecord } => n.record !== null && n.record.queues.includes(queue))
    .map((n) => ({ id: n.id, record: n.record, draining: n.record.draining === true }));
  return { queue, config, slotsHeld, servers };
}

/** One job's status with its pending reason filled in (status, show, wait): a few reads, only for a pending job. */
export async function withReason(zk: ZkClient, paths: Paths, status: JobStatus | null): Promise<JobStatus | null> {
  if (!status || status.state !== 'pending') return status;
  const queue = status.id.slice(0, status.id.lastIndexOf('/'));
  const situation = await readSituation(zk, paths, queue, await readNodes(zk, paths));
  explainPending([status], situation, new Date(), false);
  return status;
}
