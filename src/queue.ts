// A queue: its config node and the fixed children every queue has. The
// sequence counter is created last, and submit treats a missing counter as
// "no such queue", so a crash halfway through creating a queue leaves
// something that the next create completes, never a queue that loses jobs.
// For the same reason creating a queue is safe to run again as a whole after
// a lost connection, and runs as one operation under the retry policy.
import { retry } from './zk/retry.js';
import { updateData } from './zk/update.js';
import { accessAcl, counterAcl, jobsAcl, queueNodeAcl, type QueueAccess } from './acl.js';
import { checkQueueName } from './job-id.js';
import { decodeJsonObject, encodeJson, nullableInt, rejectUnknownFields } from './record.js';
import { DataError, NotFoundError } from './errors.js';
import type { Paths } from './zk/paths.js';
import type { ZkClient } from './zk/client.js';

export interface QueueConfig {
  /** Paused: nothing new starts; running jobs finish. */
  paused: boolean;
  /** Most jobs of the queue running at once across the cluster (run-slots.ts); null: no limit. */
  maxRunning: number | null;
}

export const DEFAULT_QUEUE_CONFIG: QueueConfig = { paused: false, maxRunning: null };

/** The most a queue's max_running may be: one slot znode each, listed in one reply. */
export const MAX_RUNNING_LIMIT = 10_000;

export function parseQueueConfig(data: Buffer): QueueConfig {
  if (data.length === 0) return { ...DEFAULT_QUEUE_CONFIG };
  const what = 'queue config';
  const fields = decodeJsonObject(data, what, 64 * 1024);
  rejectUnknownFields(fields, ['paused', 'maxRunning'], what);
  const maxRunning = nullableInt(fields, 'maxRunning', what);
  return { paused: fields.paused === true, maxRunning: maxRunning === null ? null : checkMaxRunning(maxRunning) };
}

/** A cluster-wide limit: a whole number from 1 to MAX_RUNNING_LIMIT. */
export function checkMaxRunning(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_RUNNING_LIMIT) throw new DataError(`max_running must be a whole number from 1 to ${MAX_RUNNING_LIMIT}, got ${n}`);
  return n;
}

/**
 * Create the queue if it is missing; true when this call completed it. With
 * `access`, the queue is restricted before its counter exists (see acl.ts).
 */
export function ensureQueue(zk: ZkClient, paths: Paths, queue: string, access?: QueueAccess): Promise<boolean> {
  checkQueueName(queue);
  return retry(() => ensureQueueOnce(zk, paths, queue, access));
}

async function ensureQueueOnce(zk: ZkClient, paths: Paths, queue: string, access?: QueueAccess): Promise<boolean> {
  if (!access && (await zk.exists(paths.counter(queue)))) return false;
  await zk.mkdirp(paths.queues());
  await zk.createIfAbsent(paths.queue(queue), encodeJson(DEFAULT_QUEUE_CONFIG));
  for (const parent of paths.queueParents(queue)) await zk.createIfAbsent(parent, '');
  if (access) await writeAccess(zk, paths, queue, access);
  if (access) await restrictParents(zk, paths, queue, access);
  const created = await zk.createIfAbsent(paths.counter(queue), '', 'persistent', access && counterAcl(access));
  if (access && !created) await zk.setAcl(paths.counter(queue), counterAcl(access));
  return created;
}

export async function queueExists(zk: ZkClient, paths: Paths, queue: string): Promise<boolean> {
  return (await retry(() => zk.exists(paths.counter(queue)))) !== null;
}

export async function requireQueue(zk: ZkClient, paths: Paths, queue: string): Promise<void> {
  checkQueueName(queue);
  if (!(await queueExists(zk, paths, queue))) throw noSuchQueue(queue);
}

export function noSuchQueue(queue: string): NotFoundError {
  return new NotFoundError(`no such queue '${queue}' (create it with 'zkjobq create ${queue}', or start a zkjobd serving it)`);
}

export async function listQueues(zk: ZkClient, paths: Paths): Promise<string[]> {
  return (await retry(() => zk.childrenOrEmpty(paths.queues()))).sort();
}

export async function readQueueConfig(zk: ZkClient, paths: Paths, queue: string): Promise<QueueConfig> {
  const node = await retry(() => zk.getOrNull(paths.queue(queue)));
  if (!node) throw noSuchQueue(queue);
  return parseQueueConfig(node.data);
}

/** Pause or resume: daemons watch the config and start nothing new while paused. */
export async function setPaused(zk: ZkClient, paths: Paths, queue: string, paused: boolean): Promise<void> {
  await updateQueueConfig(zk, paths, queue, { paused });
}

/** Set or lift (null) the cluster-wide limit; returns the limit it replaced. */
export async function setMaxRunning(zk: ZkClient, paths: Paths, queue: string, maxRunning: number | null): Promise<number | null> {
  if (maxRunning !== null) checkMaxRunning(maxRunning);
  return (await updateQueueConfig(zk, paths, queue, { maxRunning })).maxRunning;
}

/**
 * One versioned read-modify-write of the config (zk/update.ts): a concurrent
 * change of another field (a pause while a daemon writes its limit) makes
 * our set fail with BadVersion, and we read again rather than overwrite it.
 * Returns the config as it was (after a lost reply, as our own set left it).
 */
async function updateQueueConfig(zk: ZkClient, paths: Paths, queue: string, change: Partial<QueueConfig>): Promise<QueueConfig> {
  await requireQueue(zk, paths, queue);
  return retry(() => updateData(zk, paths.queue(queue), (node) => {
    if (!node) throw noSuchQueue(queue);
    const was = parseQueueConfig(node.data);
    if (Object.entries(change).every(([k, v]) => was[k as keyof QueueConfig] === v)) return { value: was };
    return { data: encodeJson({ ...was, ...change }), value: was };
  }));
}

/** Restrict the parents and the config node; the counter follows in ensureQueue. */
/** The identities, for creators of new znodes; readable only by them. */
async function writeAccess(zk: ZkClient, paths: Paths, queue: string, access: QueueAccess): Promise<void> {
  const path = paths.access(queue);
  if (!(await zk.createIfAbsent(path, encodeJson(access)))) await zk.set(path, encodeJson(access));
  await zk.setAcl(path, accessAcl(access));
}

async function restrictParents(zk: ZkClient, paths: Paths, queue: string, access: QueueAccess): Promise<void> {
  const jobs = jobsAcl(access);
  for (const parent of paths.queueParents(queue)) {
    await zk.setAcl(parent, jobs);
    for (const child of await zk.childrenOrEmpty(parent)) await zk.setAcl(`${parent}/${child}`, jobs);
  }
  await zk.setAcl(paths.queue(queue), queueNodeAcl(access));
}
