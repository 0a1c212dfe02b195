// Cancel requests for running jobs (see cancel.ts): one child watch per
// served queue on its cancels znode, re-armed after it fires and re-read
// after a new session. Requests are rare, so the watch rarely fires.
import type { Paths } from '../zk/paths.js';
import type { ZkClient } from '../zk/client.js';
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
    // Queues made before cancels existed lack the node. Look first: on a
    // restricted queue a create is refused even when the node is there.
    await retry(async () => {
      if (!(await zk.exists(path))) await zk.createIfAbsent(path, '');
    });
    const names = this.armed.has(path)
      ? await retry(() => zk.childrenOrEmpty(path))
      : await retry(() => zk.watchChildren(path, () => {
          this.armed.delete(path);
          this.watch(queue).catch(this.onError);
        }));
    this.armed.add(path);
    for (const seq of names.map(parseSeq)) if (seq !== null) this.onRequest({ queue, seq });
  }
}
