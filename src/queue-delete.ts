// Deleting a queue, whether daemons serve it or not. Order and crash points:
//  1. the counter goes: from then on every submit is refused as "no such
//     queue", so nothing new arrives, and every daemon serving the queue
//     stops claiming from it (its config watch sees the counter go, see
//     daemon/queue-configs.ts) and says so in its log;
//  2. with --force, every running job is asked to stop through the normal
//     cancel request (cancel.ts), and we wait, bounded, until their claims
//     are gone: their daemons kill the processes and publish 'cancelled'
//     first. Without --force a running job refuses the delete, checked
//     before step 1 and again after it (a claim a daemon won meanwhile);
//  3. pending and finished jobs are purged (purge.ts: a pending job is
//     claimed by us before its spec goes, so no daemon can start it);
//  4. the znodes go bottom-up, the queue node last. A znode that appears
//     meanwhile (a claim or result bucket a daemon was writing as step 1
//     happened) fails that delete with "not empty": the level is listed and
//     deleted again, a bounded number of times.
// A crash anywhere leaves a queue without counter: `zkjobq delete` runs
// again from step 1 (its deletes are of what is still there) and finishes
// it, and `zkjobq create` would complete it again instead.
import type { Paths } from './zk/paths.js';
import type { ZkClient } from './zk/client.js';
import { retry } from './zk/retry.js';
import { NotEmptyError } from './zk/errors.js';
import { purgeQueue, type PurgeCounts } from './purge.js';
import { TempFailError, ZkjobsError } from './errors.js';
import { noSuchQueue } from './queue.js';
import { requestCancel } from './cancel.js';
import { parseSeq } from './job-id.js';
import { isEphemeral } from './zk/ephemeral.js';

export interface DeleteOptions {
  /** Cancel running jobs first instead of refusing. */
  force: boolean;
  /** How long cancelled jobs may take to end before the delete gives up (exit 75; run it again). Default 60 s. */
  cancelWaitMs?: number;
}

export interface DeleteCounts extends PurgeCounts {
  /** Running jobs cancelled by --force (their results are purged with the finished ones). */
  cancelled: number;
}

/** The running jobs of a queue: live (ephemeral) claims. A persistent node there is no claim (stray-claims.ts). */
export async function runningJobs(zk: ZkClient, paths: Paths, queue: string): Promise<number[]> {
  return retry(async () => {
    const seqs: number[] = [];
    for (const name of await zk.childrenOrEmpty(paths.claims(queue))) {
      const seq = parseSeq(name);
      const stat = seq === null ? null : await zk.exists(paths.claim(queue, seq));
      if (seq !== null && stat && isEphemeral(stat)) seqs.push(seq);
    }
    return seqs;
  });
}

export async function deleteQueue(zk: ZkClient, paths: Paths, queue: string, options: DeleteOptions): Promise<DeleteCounts> {
  if (!(await retry(() => zk.exists(paths.queue(queue))))) throw noSuchQueue(queue);
  if (!options.force) refuseRunning(queue, await runningJobs(zk, paths, queue));
  await retry(() => zk.deleteIfExists(paths.counter(queue)));
  const cancelled = options.force ? await cancelRunning(zk, paths, queue, options.cancelWaitMs ?? 60_000) : 0;
  if (!options.force) refuseRunning(queue, await runningJobs(zk, paths, queue), ' (started while the delete began; it is closed to submits now)');
  const purged = await purgeQueue(zk, paths, queue);
  // Deletes only: safe to run again as a whole after a lost connection.
  await retry(() => deleteQueueNodes(zk, paths, queue));
  return { ...purged, cancelled };
}

function refuseRunning(queue: string, running: number[], why = ''): void {
  if (running.length > 0) throw new ZkjobsError(`queue ${queue} has ${running.length} running jobs${why}; cancel them or use --force`);
}

/** Ask every running job to stop, until none runs; how many were asked. */
async function cancelRunning(zk: ZkClient, paths: Paths, queue: string, waitMs: number): Promise<number> {
  const asked = new Set<number>();
  const deadline = Date.now() + waitMs;
  for (;;) {
    const running = await runningJobs(zk, paths, queue);
    if (running.length === 0) return asked.size;
    if (Date.now() > deadline) {
      throw new TempFailError(`queue ${queue}: ${running.length} cancelled jobs still running after ${Math.round(waitMs / 1000)} s; run the delete again`);
    }
    for (const seq of running.filter((s) => !asked.has(s))) {
      await requestCancel(zk, paths, { queue, seq });
      asked.add(seq);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Bottom-up, to the depth of a job znode (queue/parent/bucket/job), so that
 * znodes zkjobs did not write there go too; a level that gained a child
 * meanwhile is listed again (see the top).
 */
function deleteQueueNodes(zk: ZkClient, paths: Paths, queue: string): Promise<void> {
  return deleteTree(zk, paths.queue(queue), 3);
}

async function deleteTree(zk: ZkClient, path: string, depth: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    if (depth > 0) for (const child of await zk.childrenOrEmpty(path)) await deleteTree(zk, `${path}/${child}`, depth - 1);
    try {
      await zk.deleteIfExists(path);
      return;
    } catch (err) {
      if (!(err instanceof NotEmptyError) || attempt >= 10) throw err;
      await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
    }
  }
}
