// How an idle daemon learns that there may be work, without polling the
// queue and without being woken by every change to it (herd effect).
//
// Only a daemon with free slots and nothing to claim arms watches, and only
// on what a new submission changes: the queue's sequence counter (its data
// changes on every reservation, never on completions), plus the creation of
// the first and last numbers reserved since it last looked, because a
// submitter reserves its number before it creates the job. A busy daemon
// arms none, so a steady stream of jobs fires no watch at all. A slow
// timer backs the watches up against any event lost across a reconnection.
import type { Paths } from '../zk/paths.js';
import type { ZkClient } from '../zk/client.js';
import { retry } from '../zk/retry.js';

/** Safety net when idle: rescan this often even if no watch fired. */
const IDLE_RESCAN_MS = 5_000;

export class Wakeups {
  private armed = new Set<string>();
  private lastCounter = new Map<string, number>();
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
    for (const queue of queues) await this.armQueue(queue);
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.wake();
      }, IDLE_RESCAN_MS);
      this.timer.unref();
    }
  }

  private async armQueue(queue: string): Promise<void> {
    const counter = await this.armOnce(this.paths.counter(queue), (onChange) => this.zk.watchData(this.paths.counter(queue), onChange), () => this.zk.getOrNull(this.paths.counter(queue)));
    const last = Number(counter?.data.toString('latin1') || 0);
    const previous = this.lastCounter.get(queue) ?? last;
    this.lastCounter.set(queue, last);
    let landed = false;
    for (const seq of new Set([previous + 1, last])) {
      if (seq < 1 || seq > last) continue;
      const path = this.paths.pendingJob(queue, seq);
      landed = (await this.armOnce(path, (onChange) => this.zk.watchExists(path, onChange), () => this.zk.exists(path))) !== null || landed;
    }
    // A job submitted between our scan and these watches is already there:
    // look once more now rather than at the next rescan. The next arming
    // sees no new numbers, so this cannot repeat.
    if (landed && last > previous) setImmediate(this.wake);
  }

  /** Arm a watch unless one is armed on this path already (then just read). */
  private async armOnce<T>(path: string, watch: (onChange: () => void) => Promise<T>, read: () => Promise<T>): Promise<T> {
    if (this.armed.has(path)) return retry(read);
    this.armed.add(path);
    try {
      return await retry(() => watch(() => {
        this.armed.delete(path);
        this.wake();
      }));
    } catch (err) {
      this.armed.delete(path);
      throw err;
    }
  }

  /** Wake when `path` is deleted (or at once if it is gone already); armed once until it fires. */
  async armDeletion(path: string): Promise<void> {
    const stat = await this.armOnce(path, (onChange) => this.zk.watchExists(path, onChange), () => this.zk.exists(path));
    if (!stat) setImmediate(this.wake);
  }

  /** List children, arming a child watch unless one is armed already (re-armed only after it fired). */
  async armChildren(path: string): Promise<string[]> {
    if (this.armed.has(path)) return retry(() => this.zk.childrenOrEmpty(path));
    this.armed.add(path);
    try {
      return await retry(() => this.zk.watchChildren(path, () => {
        this.armed.delete(path);
        this.wake();
      }));
    } catch (err) {
      this.armed.delete(path);
      throw err;
    }
  }
}
