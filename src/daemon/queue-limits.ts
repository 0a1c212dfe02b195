// The daemon's side of a queue's cluster-wide max_running (run-slots.ts):
// take run slots before claiming from a limited queue, hold each while its
// job runs (or waits to retry: it keeps its claim), and give it back once
// the claim has ended. A release that fails while the connection is down is
// retried on reconnection; a new session forgets every slot, since they
// died with the old one.
//
// A slot whose job has just ended is kept for the claiming pass that the
// ending job wakes: that pass reuses it for the next job of the queue,
// saving a create, an exists and a delete per job while the queue is busy,
// and the daemon gives back whatever is left when its passes go idle
// (returnSpare). Reuse still lists slots/ first, as a new take does: with
// more slots held than the limit (it was lowered), the spare goes back, so
// no job starts until fewer than the new limit run; and only a slot
// numbered below the limit is reused, so the names come back under it.
//
// A daemon that found a queue full watches one held slot, picked at random,
// for its deletion: a job finishing anywhere wakes about 1/L of the waiting
// daemons instead of all of them (a child watch on slots/ would wake every
// waiter on every take and release: a herd). The watch is re-armed only
// after it fired (Wakeups.armDeletion), like the idle watches on the
// counter; the idle rescan backs it up.
import type { Paths } from '../zk/paths.js';
import type { ZkClient } from '../zk/client.js';
import type { ClaimedJob, QueueClaimer, Room } from '../claim.js';
import { formatJobId, type JobId } from '../job-id.js';
import { acquireRunSlots, releaseRunSlot, type HeldSlot } from '../run-slots.js';
import type { Wakeups } from './wakeups.js';
import type { Logger } from '../log.js';
import { retry } from '../zk/retry.js';
import { setMaxRunning } from '../queue.js';

export class QueueLimits {
  private held = new Map<string, HeldSlot>();
  /** Per queue: slots whose job just ended, for the next job (see above). */
  private spare = new Map<string, HeldSlot[]>();
  private unreleased: HeldSlot[] = [];
  private full = new Set<string>();

  constructor(
    private readonly zk: () => ZkClient,
    private readonly paths: Paths,
    private readonly nodeId: string,
    /** Start a claiming pass (the daemon's pump). */
    private readonly wake: () => void,
  ) {}

  /**
   * Claim jobs of the claimer's queue that fit the node's `room`, within the
   * queue's cluster-wide limit (null: none). A run slot counts a running job,
   * whatever number of the node's slots it takes (--cpus). A job claimed
   * ahead of need (`ahead`, claimed-ahead.ts) takes its run slot now, as a
   * running one does: max_running counts it from its claim. It takes one
   * only while another stays free after it, so that jobs waiting here never
   * hold the queue below its limit while a peer has a free slot.
   */
  async claim(claimer: QueueClaimer, limit: number | null, room: Room, ahead = false): Promise<ClaimedJob[]> {
    this.full.delete(claimer.queue);
    const wanted = room.slots;
    const keepFree = ahead ? 1 : 0;
    const reused = await this.takeSpare(claimer.queue, limit, wanted, keepFree);
    if (limit === null) return claimer.claimSome(wanted, room, ahead);
    const more = reused.length < wanted ? await acquireRunSlots(this.zk(), this.paths, claimer.queue, limit, wanted - reused.length, this.nodeId, keepFree) : [];
    const slots = [...reused, ...more];
    if (slots.length === 0) {
      this.full.add(claimer.queue);
      return [];
    }
    let jobs: ClaimedJob[] = [];
    try {
      jobs = await claimer.claimSome(slots.length, room, ahead);
    } finally {
      jobs.forEach((job, i) => this.held.set(formatJobId(job.id), slots[i]));
      await Promise.all(slots.slice(jobs.length).map((slot) => this.give(slot)));
    }
    return jobs;
  }

  /** The job's claim has ended: its slot, if it had one, goes to the next job here or back to the cluster. */
  release(id: JobId): void {
    const key = formatJobId(id);
    const slot = this.held.get(key);
    if (!slot) return;
    this.held.delete(key);
    const spare = this.spare.get(id.queue) ?? [];
    spare.push(slot);
    this.spare.set(id.queue, spare);
    // The job's end usually starts a pass that takes the slot, but only once
    // the job has left the table (after this call). If none has taken it by
    // the next turn of the event loop, start one, or the slot would sit here.
    setImmediate(() => {
      if (this.spare.has(id.queue)) this.wake();
    });
  }

  /** No claiming pass is coming: spare slots go back to the cluster. */
  async returnSpare(): Promise<void> {
    await Promise.all([...this.spare.keys()].map((queue) => this.giveSpare(queue)));
  }

  /** Spare slots to reuse, up to `wanted`, while the queue holds no more slots than its limit less `keepFree`; the others go back. */
  private async takeSpare(queue: string, limit: number | null, wanted: number, keepFree: number): Promise<HeldSlot[]> {
    const spare = this.spare.get(queue) ?? [];
    this.spare.delete(queue);
    let usable: HeldSlot[] = [];
    if (spare.length > 0 && limit !== null) {
      // Our spare slots are among those held: reusing them keeps the count.
      const held = await retry(() => this.zk().childrenOrEmpty(this.paths.slots(queue)));
      if (held.length <= limit - keepFree) usable = spare.filter((s) => s.session === this.zk().sessionId && s.k < limit).slice(0, wanted);
    }
    for (const slot of spare) if (!usable.includes(slot)) void this.give(slot);
    return usable;
  }

  private async giveSpare(queue: string): Promise<void> {
    const spare = this.spare.get(queue) ?? [];
    this.spare.delete(queue);
    await Promise.all(spare.map((slot) => this.give(slot)));
  }

  /** Retry the releases that failed while the connection was down. */
  async catchUp(): Promise<void> {
    for (const slot of this.unreleased.splice(0)) await this.give(slot);
  }

  /** A new session: every slot we held is gone. */
  reset(): void {
    this.held.clear();
    this.spare.clear();
    this.unreleased = [];
    this.full.clear();
  }

  /** Watch one held slot of each queue found full, so that a freed slot wakes us. */
  async armIdle(wakeups: Wakeups, queues: readonly string[]): Promise<void> {
    for (const queue of queues) {
      if (!this.full.has(queue)) continue;
      const held = await retry(() => this.zk().childrenOrEmpty(this.paths.slots(queue)));
      // None held: all were freed since we looked, and the watch wakes us at once.
      await wakeups.armDeletion(this.paths.slot(queue, held[Math.floor(Math.random() * held.length)] ?? '0'));
    }
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
      const was = await setMaxRunning(zk, paths, queue, maxRunning);
      if (was.problem) log.warn("queue's unreadable config overwritten with this node's max_running; the queue stays paused until resumed", { ...fields, problem: was.problem });
      else if (was.maxRunning !== maxRunning) log.info("queue's max_running set from this node's configuration", { ...fields, was: was.maxRunning ?? 'none' });
    } catch (err) {
      log.warn("cannot set the queue's max_running", { ...fields, error: (err as Error).message });
    }
  }
}
