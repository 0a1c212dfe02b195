// The daemon's view of each served queue's config (paused or not). It is read
// once and then kept current by one watch per queue, which fires only when an
// operator changes the config: no read per claim. An unreadable config is
// served as paused (fail closed, see queue.ts) and reported as a finding.
import type { Paths } from '../zk/paths.js';
import type { ZkClient } from '../zk/client.js';
import { retry } from '../zk/retry.js';
import { DEFAULT_QUEUE_CONFIG, servedQueueConfig, type QueueConfig } from '../queue.js';
import type { FindingSink } from '../finding.js';

export class QueueConfigs {
  private cache = new Map<string, QueueConfig>();

  constructor(
    private readonly zk: ZkClient,
    private readonly paths: Paths,
    private readonly changed: () => void,
    private readonly report: FindingSink,
  ) {}

  reset(): void {
    this.cache.clear();
  }

  async get(queue: string): Promise<QueueConfig> {
    const cached = this.cache.get(queue);
    if (cached) return cached;
    const path = this.paths.queue(queue);
    const node = await retry(async () => {
      await this.zk.watchExists(path, () => {
        this.cache.delete(queue);
        this.changed();
      });
      return this.zk.getOrNull(path);
    });
    const served = node ? servedQueueConfig(node.data) : { ...DEFAULT_QUEUE_CONFIG, problem: null };
    if (served.problem) this.report({ path, problem: `unreadable queue config: ${served.problem}`, action: 'queue served as paused' });
    const config: QueueConfig = { paused: served.paused, maxRunning: served.maxRunning };
    this.cache.set(queue, config);
    return config;
  }
}
