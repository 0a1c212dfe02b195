// Deleting a queue. The counter goes first: from then on every submit is
// refused as "no such queue", so nothing new can arrive while the rest is
// removed; then jobs are purged and the znodes deleted bottom-up. A crash
// half-way leaves a queue without counter, which `zkjobq delete` finishes
// and `zkjobq create` would complete again. Running jobs are refused
// unless forced (their daemons then fail to publish and log it).
import type { Paths } from './zk/paths.js';
import type { ZkClient } from './zk/client.js';
import { retry } from './zk/retry.js';
import { purgeQueue } from './purge.js';
import { ZkjobsError } from './errors.js';
import { noSuchQueue } from './queue.js';

export async function deleteQueue(zk: ZkClient, paths: Paths, queue: string, force: boolean): Promise<number> {
  const running = await retry(async () => {
    if (!(await zk.exists(paths.queue(queue)))) throw noSuchQueue(queue);
    return zk.childrenOrEmpty(paths.claims(queue));
  });
  if (running.length > 0 && !force) throw new ZkjobsError(`queue ${queue} has ${running.length} running jobs; cancel them or use --force`);
  await retry(() => zk.deleteIfExists(paths.counter(queue)));
  const purged = await purgeQueue(zk, paths, queue);
  // Deletes only: safe to run again as a whole after a lost connection.
  await retry(() => deleteQueueNodes(zk, paths, queue));
  return purged.pending + purged.finished + purged.skippedRunning;
}

async function deleteQueueNodes(zk: ZkClient, paths: Paths, queue: string): Promise<void> {
  for (const parent of paths.queueParents(queue)) {
    for (const child of await zk.childrenOrEmpty(parent)) {
      for (const grandchild of await zk.childrenOrEmpty(`${parent}/${child}`)) await zk.deleteIfExists(`${parent}/${child}/${grandchild}`);
      await zk.deleteIfExists(`${parent}/${child}`);
    }
    await zk.deleteIfExists(parent);
  }
  await zk.deleteIfExists(paths.access(queue));
  await zk.deleteIfExists(paths.queue(queue));
}
