// How an idle daemon learns that there may be work, without polling the
// queue and without re-reading it on every change (herd effect).
//
// Only a daemon with free slots and nothing to claim arms watches: on the
// queue's bucket list (a new bucket) and on its newest bucket (a new job).
// A busy daemon arms none, so a steady stream of jobs fires no watch at all;
// this also bounds the binding's per-fired-watch memory cost. A slow timer
// backs the watches up against any event lost across a reconnection.
import type { Paths } from '../zk/paths.js';
import type { ZkClient } from '../zk/client.js';
import { NoNodeError } from '../zk/errors.js';

/** Safety net when idle: rescan this often even if no watch fired. */
const IDLE_RESCAN_MS = 5_000;

export class Wakeups {
  private armed = new Set<string>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly zk: ZkClient,
    private readonly paths: Paths,
    private readonly wake: () => void,
  ) {}

  /** A new session carries no watches: forget what was armed. */
  reset(): void {
    this.armed.clear();
  }

  cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  async armIdle(queues: readonly string[]): Promise<void> {
    for (const queue of queues) {
      const buckets = await this.armChildren(this.paths.pending(queue));
      const newest = buckets.sort().at(-1);
      if (newest) await this.armChildren(this.paths.pendingBucket(queue, newest));
    }
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.wake();
      }, IDLE_RESCAN_MS);
      this.timer.unref();
    }
  }

  /** List children, arming a child watch unless one is armed already (re-armed only after it fired). */
  async armChildren(path: string): Promise<string[]> {
    if (this.armed.has(path)) return this.zk.childrenOrEmpty(path);
    this.armed.add(path);
    try {
      return await this.zk.watchChildren(path, () => {
        this.armed.delete(path);
        this.wake();
      });
    } catch (err) {
      this.armed.delete(path);
      if (err instanceof NoNodeError) return [];
      throw err;
    }
  }
}
