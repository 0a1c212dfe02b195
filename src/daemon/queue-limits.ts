// The daemon's side of a queue's cluster-wide max_running (run-slots.ts):
// take run slots before claiming from a limited queue, hold each while its
// job runs (or waits to retry: it keeps its claim), and give it back once
// the claim has ended. A release that fails while the connection is down is
// retried on reconnection; a new session forgets every slot, since they
// died with the old one.
//
// A daemon that found a queue full arms one child watch on its slots/, so
// that a job finishing anywhere wakes it; the watch is re-armed only after
// it fired (Wakeups.armChildren), like the idle watches on the counter.
import type { Paths } from '../zk/paths.js';
import type { ZkClient } from '../zk/client.js';
import type { ClaimedJob, QueueClaimer } from '../claim.js';
import { formatJobId, type JobId } from '../job-id.js';
import { acquireRunSlots, releaseRunSlot, type HeldSlot } from '../run-slots.js';
import type { Wakeups } from './wakeups.js';
import type { Logger } from '../log.js';
import { withRetry } from '../zk/retry.js';
import { setMaxRunning } from '../queue.js';

export class QueueLimits {
  private held = new Map<string, HeldSlot>();
  private unreleased: HeldSlot[] = [];
  private full = new Set<string>();

  constructor(
    private readonly zk: () => ZkClient,
    private readonly paths: Paths,
    private readonly nodeId: string,
  ) {}

  /** Claim up to `wanted` jobs of the claimer's queue within its cluster-wide limit (null: none). */
  async claim(claimer: QueueClaimer, limit: number | null, wanted: number): Promise<ClaimedJob[]> {
    this.full.delete(claimer.queue);
    if (limit === null) return claimer.claimSome(wanted);
    const slots = await acquireRunSlots(this.zk(), this.paths, claimer.queue, limit, wanted, this.nodeId);
    if (slots.length === 0) {
      this.full.add(claimer.queue);
      return [];
    }
    let jobs: ClaimedJob[] = [];
    try {
      jobs = await claimer.claimSome(slots.length);
    } finally {
      jobs.forEach((job, i) => this.held.set(formatJobId(job.id), slots[i]));
      await Promise.all(slots.slice(jobs.length).map((slot) => this.give(slot)));
    }
    return jobs;
  }

  /** The job's claim has ended: its slot, if it had one, is free for the cluster. */
  async release(id: JobId): Promise<void> {
    const key = formatJobId(id);
    const slot = this.held.get(key);
    if (!slot) return;
    this.held.delete(key);
    await this.give(slot);
  }

  /** Retry the releases that failed while the connection was down. */
  async catchUp(): Promise<void> {
    for (const slot of this.unreleased.splice(0)) await this.give(slot);
  }

  /** A new session: every slot we held is gone. */
  reset(): void {
    this.held.clear();
    this.unreleased = [];
    this.full.clear();
  }

  /** Watch the slots of the queues found full, so that a freed slot wakes us. */
  async armIdle(wakeups: Wakeups, queues: readonly string[]): Promise<void> {
    for (const queue of queues) if (this.full.has(queue)) await wakeups.armChildren(this.paths.slots(queue));
  }

  private async give(slot: HeldSlot): Promise<void> {
    try {
      await releaseRunSlot(this.zk(), slot);
    } catch {
      this.unreleased.push(slot);
    }
  }
}

/**
 * Write the max_running this node's configuration sets into the queues'
 * config znodes, where every daemon reads it: the limit is the cluster's,
 * so the file of the node that started or reloaded last wins, and the value
 * it replaced is logged. Queues this node does not serve are left alone
 * (they may not exist); so are queues whose section does not set the key.
 */
export async function publishConfiguredLimits(zk: ZkClient, paths: Paths, limits: ReadonlyMap<string, number | null>, served: readonly string[], log: Logger, nodeId: string): Promise<void> {
  for (const [queue, maxRunning] of limits) {
    if (!served.includes(queue)) continue;
    const fields = { queue, node: nodeId, maxRunning: maxRunning ?? 'none' };
    try {
      const was = await withRetry(() => setMaxRunning(zk, paths, queue, maxRunning));
      if (was !== maxRunning) log.info("queue's max_running set from this node's configuration", { ...fields, was: was ?? 'none' });
    } catch (err) {
      log.warn("cannot set the queue's max_running", { ...fields, error: (err as Error).message });
    }
  }
}
