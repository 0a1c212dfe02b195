// Deleting a queue. The counter goes first: from then on every submit is
// refused as "no such queue", so nothing new can arrive while the rest is
// removed; then jobs are purged and the znodes deleted bottom-up. A crash
// half-way leaves a queue without counter, which `zkjobq delete` finishes
// and `zkjobq create` would complete again. Running jobs are refused
// unless forced (their daemons then fail to publish and log it).
import type { Paths } from './zk/paths.js';
import type { ZkClient } from './zk/client.js';
import { withRetry } from './zk/retry.js';
import { purgeQueue } from './purge.js';
import { ZkjobsError } from './errors.js';
import { noSuchQueue } from './queue.js';

export async function deleteQueue(zk: ZkClient, paths: Paths, queue: string, force: boolean): Promise<number> {
  if (!(await withRetry(() => zk.exists(paths.queue(queue))))) throw noSuchQueue(queue);
  const running = await withRetry(() => zk.childrenOrEmpty(paths.claims(queue)));
  if (running.length > 0 && !force) throw new ZkjobsError(`queue ${queue} has ${running.length} running jobs; cancel them or use --force`);
  await withRetry(() => zk.deleteIfExists(paths.counter(queue)));
  const purged = await purgeQueue(zk, paths, queue);
  for (const parent of paths.queueParents(queue)) {
    for (const child of await withRetry(() => zk.childrenOrEmpty(parent))) {
      for (const grandchild of await withRetry(() => zk.childrenOrEmpty(`${parent}/${child}`))) {
        await withRetry(() => zk.deleteIfExists(`${parent}/${child}/${grandchild}`));
      }
      await withRetry(() => zk.deleteIfExists(`${parent}/${child}`));
    }
    await withRetry(() => zk.deleteIfExists(parent));
  }
  await withRetry(() => zk.deleteIfExists(paths.access(queue)));
  await withRetry(() => zk.deleteIfExists(paths.queue(queue)));
  return purged.pending + purged.finished + purged.skippedRunning;
}
