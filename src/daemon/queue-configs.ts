// The daemon's view of each served queue: its config (paused or not) and
// whether it exists. It is read once and then kept current by two watches
// per queue, which fire only when an operator changes the queue, never on a
// submit or a claim: no read per claim.
//  - an exists watch on the queue node: its config changed, or the node
//    went or came;
//  - a child watch on the queue node: its counter went (`zkjobq delete`
//    removes it first, see queue-delete.ts) or came (`zkjobq create` and
//    ensureQueue make it last). Submits change the counter's data, not the
//    queue node's children, so this watch stays quiet while jobs flow.
// A queue without counter is being deleted or is gone: it is not served
// until it exists again, and the daemon says so in its log at each change
// (`present`). An unreadable config is served as paused (fail closed, see
// queue.ts) and reported as a finding.
//
// Each watch is armed again only after it fired (or after a new session),
// so a queue holds at most two watches however often it is read.
//
// `zkjobq release` rewrites the config with the bytes it has (hold.ts):
// the exists watch then tells the daemon that an older job is back, and
// `changed` names the queue, so that the daemon forgets its cached listing
// of that queue's head (claim.ts) instead of running up to a bucket of later
// jobs first.
import type { Paths } from '../zk/paths.js';
import type { ZkClient } from '../zk/client.js';
import { NoNodeError } from '../zk/errors.js';
import { retry } from '../zk/retry.js';
import { DEFAULT_QUEUE_CONFIG, servedQueueConfig, type QueueConfig } from '../queue.js';
import type { FindingSink } from '../finding.js';

export interface ServedQueue extends QueueConfig {
  /** The queue and its counter exist: it takes submits, and is served. */
  exists: boolean;
}

export class QueueConfigs {
  private cache = new Map<string, ServedQueue>();
  private armed = new Set<string>();
  /** Whether each queue existed when last read: a change is told to `present`. */
  private existed = new Map<string, boolean>();

  constructor(
    private readonly zk: ZkClient,
    private readonly paths: Paths,
    /** Told when a queue's config, presence or anything else an operator does to the queue node changed. */
    private readonly changed: (queue: string) => void,
    private readonly report: FindingSink,
    /** Told when a served queue is found deleted, or existing again. */
    private readonly present: (queue: string, exists: boolean) => void = () => undefined,
  ) {}

  reset(): void {
    this.cache.clear();
    this.armed.clear();
  }

  async get(queue: string): Promise<ServedQueue> {
    const cached = this.cache.get(queue);
    if (cached) return cached;
    const path = this.paths.queue(queue);
    const { node, exists } = await retry(async () => {
      await this.armOnce(queue, `exists ${path}`, (fired) => this.zk.watchExists(path, fired), () => this.zk.exists(path));
      const node = await this.zk.getOrNull(path);
      return { node, exists: node !== null && (await this.hasCounter(queue)) };
    });
    const served = node ? servedQueueConfig(node.data) : { ...DEFAULT_QUEUE_CONFIG, problem: null };
    if (served.problem) this.report({ path, problem: `unreadable queue config: ${served.problem}`, action: 'queue served as paused' });
    const config: ServedQueue = { paused: served.paused, maxRunning: served.maxRunning, exists };
    this.cache.set(queue, config);
    if ((this.existed.get(queue) ?? true) !== exists) this.present(queue, exists);
    this.existed.set(queue, exists);
    return config;
  }

  /** The counter is among the queue node's children; a child watch, unless one is armed. */
  private async hasCounter(queue: string): Promise<boolean> {
    const path = this.paths.queue(queue);
    try {
      const names = await this.armOnce(queue, `children ${path}`, (fired) => this.zk.watchChildren(path, fired), () => this.zk.children(path));
      return names.includes(this.paths.counter(queue).slice(path.length + 1));
    } catch (err) {
      // Deleted between our two reads: the exists watch fires for it.
      if (err instanceof NoNodeError) return false;
      throw err;
    }
  }

  /** Arm a watch unless one is armed (then just `read`); when it fires, the queue is read again. */
  private async armOnce<T>(queue: string, key: string, watch: (fired: () => void) => Promise<T>, read: () => Promise<T>): Promise<T> {
    if (this.armed.has(key)) return read();
    const fired = () => {
      this.armed.delete(key);
      this.cache.delete(queue);
      // Read again now, not at the next claim (a busy daemon may not claim
      // for long): the log tells of a deletion when it happens.
      void this.get(queue).catch(() => undefined).finally(() => this.changed(queue));
    };
    const value = await watch(fired);
    this.armed.add(key);
    return value;
  }
}
