// The daemon's view of each served queue's config (paused or not). It is read
// once and then kept current by one watch per queue, which fires only when an
// operator changes the config: no read per claim.
import type { Paths } from '../zk/paths.js';
import type { ZkClient } from '../zk/client.js';
import { retry } from '../zk/retry.js';
import { DEFAULT_QUEUE_CONFIG, parseQueueConfig, type QueueConfig } from '../queue.js';

export class QueueConfigs {
  private cache = new Map<string, QueueConfig>();

  constructor(
    private readonly zk: ZkClient,
    private readonly paths: Paths,
    private readonly changed: () => void,
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
    let config: QueueConfig;
    try {
      config = node ? parseQueueConfig(node.data) : { ...DEFAULT_QUEUE_CONFIG };
    } catch {
      // A config nobody can read must not stop the queue: serve it as unpaused.
      config = { ...DEFAULT_QUEUE_CONFIG };
    }
    this.cache.set(queue, config);
    return config;
  }
}
