// Cancel requests for running jobs (see cancel.ts): one child watch per
// served queue on its cancels znode, re-armed after it fires and re-read
// after a new session. Requests are rare, so the watch rarely fires.
//
// A queue deleted under the daemon takes its cancels znode with it, which
// fires the watch. The daemon must not put the znode back then: `zkjobq
// delete` removes the queue's children before the queue itself, and a
// cancels znode made in between makes that last delete fail (not empty).
// It waits instead with an exists watch, which fires when the queue is
// created again.
import type { Paths } from '../zk/paths.js';
import type { ZkClient } from '../zk/client.js';
import { NoNodeError } from '../zk/errors.js';
import { retry } from '../zk/retry.js';
import { parseSeq, type JobId } from '../job-id.js';

export class CancelWatch {
  private armed = new Set<string>();

  constructor(
    private readonly zk: () => ZkClient,
    private readonly paths: Paths,
    /** Called for each requested job; returns true when it was ours. */
    private readonly onRequest: (id: JobId) => boolean,
    private readonly onError: (err: unknown) => void,
  ) {}

  reset(): void {
    this.armed.clear();
  }

  async watch(queue: string): Promise<void> {
    const path = this.paths.cancels(queue);
    const zk = this.zk();
    const fired = () => {
      this.armed.delete(path);
      this.watch(queue).catch(this.onError);
    };
    const names = await retry(async () => {
      await this.createIfMissing(zk, queue);
      if (this.armed.has(path)) return zk.childrenOrEmpty(path);
      for (;;) {
        try {
          return await zk.watchChildren(path, fired);
        } catch (err) {
          if (!(err instanceof NoNodeError)) throw err;
        }
        // No queue (a list of a missing node leaves no watch): wait for it.
        // Made since? Then list it again, with a child watch this time.
        if (!(await zk.watchExists(path, fired))) return [];
      }
    });
    this.armed.add(path);
    for (const seq of names.map(parseSeq)) if (seq !== null) this.onRequest({ queue, seq });
  }

  /**
   * Queues made before cancels existed lack the node: make it, but only in
   * a live queue. `zkjobq delete` removes the counter first, so a queue
   * without one is being deleted (or is gone). Look first: on a restricted
   * queue a create is refused even when the node is there.
   */
  private async createIfMissing(zk: ZkClient, queue: string): Promise<void> {
    const path = this.paths.cancels(queue);
    if (await zk.exists(path)) return;
    if (!(await zk.exists(this.paths.counter(queue)))) return;
    await zk.createIfAbsent(path, '');
  }
}
