// A queue: its config node and the fixed children every queue has. The
// sequence counter is created last, and submit treats a missing counter as
// "no such queue", so a crash halfway through creating a queue leaves
// something that the next create completes, never a queue that loses jobs.
// For the same reason creating a queue is safe to run again as a whole after
// a lost connection, and runs as one operation under the retry policy.
//
// A config that cannot be read (garbage, `"paused":"yes"`) fails closed:
// daemons serve the queue as paused, because starting jobs an operator may
// have paused cannot be undone, while a paused queue only waits. `zkjobq
// stat` shows why; pause, resume and limit overwrite it (saying so), which
// is how an operator repairs it.
import { retry } from './zk/retry.js';
import { updateData } from './zk/update.js';
import { accessAcl, counterAcl, lockAcl, parentAcl, queueNodeAcl, type QueueAccess } from './acl.js';
import { checkQueueName } from './job-id.js';
import { decodeJsonObject, encodeJson, nullableInt, rejectUnknownFields } from './record.js';
import { DataError, NotFoundError } from './errors.js';
import type { Paths } from './zk/paths.js';
import type { Acl, ZkClient } from './zk/client.js';
import { NoNodeError } from './zk/errors.js';

export interface QueueConfig {
  /** Paused: nothing new starts; running jobs finish. */
  paused: boolean;
  /** Most jobs of the queue running at once across the cluster (run-slots.ts); null: no limit. */
  maxRunning: number | null;
}

export const DEFAULT_QUEUE_CONFIG: QueueConfig = { paused: false, maxRunning: null };

/** What an unreadable config is served as (see above). */
export const UNREADABLE_QUEUE_CONFIG: QueueConfig = { paused: true, maxRunning: null };

/** A config as served: the znode's, or UNREADABLE_QUEUE_CONFIG with the reason it could not be read. */
export interface ServedQueueConfig extends QueueConfig {
  problem: string | null;
}

/** The most a queue's max_running may be: one slot znode each, listed in one reply. */
export const MAX_RUNNING_LIMIT = 10_000;

export function parseQueueConfig(data: Buffer): QueueConfig {
  if (data.length === 0) return { ...DEFAULT_QUEUE_CONFIG };
  const what = 'queue config';
  const fields = decodeJsonObject(data, what, 64 * 1024);
  rejectUnknownFields(fields, ['paused', 'maxRunning'], what);
  const maxRunning = nullableInt(fields, 'maxRunning', what);
  if (fields.paused !== undefined && typeof fields.paused !== 'boolean') throw new DataError(`${what}: "paused" must be true or false`);
  return { paused: fields.paused === true, maxRunning: maxRunning === null ? null : checkMaxRunning(maxRunning) };
}

/** The config daemons serve for these bytes: never an error. */
export function servedQueueConfig(data: Buffer): ServedQueueConfig {
  try {
    return { ...parseQueueConfig(data), problem: null };
  } catch (err) {
    return { ...UNREADABLE_QUEUE_CONFIG, problem: (err as Error).message };
  }
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

/** The config as daemons serve it; an unreadable one says why in `problem`. */
export async function readQueueConfig(zk: ZkClient, paths: Paths, queue: string): Promise<ServedQueueConfig> {
  const node = await retry(() => zk.getOrNull(paths.queue(queue)));
  if (!node) throw noSuchQueue(queue);
  return servedQueueConfig(node.data);
}

/** Pause or resume: daemons watch the config and start nothing new while paused. Returns the config it replaced. */
export function setPaused(zk: ZkClient, paths: Paths, queue: string, paused: boolean): Promise<ServedQueueConfig> {
  return updateQueueConfig(zk, paths, queue, { paused });
}

/** Set or lift (null) the cluster-wide limit; returns the config it replaced. */
export function setMaxRunning(zk: ZkClient, paths: Paths, queue: string, maxRunning: number | null): Promise<ServedQueueConfig> {
  if (maxRunning !== null) checkMaxRunning(maxRunning);
  return updateQueueConfig(zk, paths, queue, { maxRunning });
}

/** The one line a command prints on stderr when its `change` overwrote an unreadable config. */
export function repairedConfigWarning(queue: string, was: ServedQueueConfig, change: Partial<QueueConfig>): string | null {
  if (was.problem === null) return null;
  const now: QueueConfig = { paused: was.paused, maxRunning: was.maxRunning, ...change };
  const state = now.paused ? `paused (zkjobq resume ${queue} starts it)` : 'active';
  return `warning: queue ${queue}'s config was unreadable (${was.problem}); rewritten as ${state}, max running ${now.maxRunning ?? 'none'}`;
}

/**
 * One versioned read-modify-write of the config (zk/update.ts): a concurrent
 * change of another field (a pause while a daemon writes its limit) makes
 * our set fail with BadVersion, and we read again rather than overwrite it.
 * Returns the config as it was (after a lost reply, as our own set left it).
 */
async function updateQueueConfig(zk: ZkClient, paths: Paths, queue: string, change: Partial<QueueConfig>): Promise<ServedQueueConfig> {
  await requireQueue(zk, paths, queue);
  return retry(() => updateData(zk, paths.queue(queue), (node) => {
    if (!node) throw noSuchQueue(queue);
    // An unreadable config is overwritten: the fields not changed keep what it was served as.
    const was = servedQueueConfig(node.data);
    const unchanged = Object.entries(change).every(([k, v]) => was[k as keyof QueueConfig] === v);
    if (unchanged && was.problem === null) return { value: was };
    const config: QueueConfig = { paused: was.paused, maxRunning: was.maxRunning, ...change };
    return { data: encodeJson(config), value: was };
  }));
}

/** Restrict the parents and the config node; the counter follows in ensureQueue. */
/** The identities, for creators of new znodes; readable only by them. */
async function writeAccess(zk: ZkClient, paths: Paths, queue: string, access: QueueAccess): Promise<void> {
  const path = paths.access(queue);
  if (!(await zk.createIfAbsent(path, encodeJson(access)))) await zk.set(path, encodeJson(access));
  await zk.setAcl(path, accessAcl(access));
}

/**
 * Each parent gets its ACL, and so do its children: buckets under pending
 * and results, requests under cancels, and the locks (claims, slots) that
 * older versions created open. A lock whose holder's session ended since
 * the listing is simply gone (NoNode).
 */
async function restrictParents(zk: ZkClient, paths: Paths, queue: string, access: QueueAccess): Promise<void> {
  const parents = { pending: paths.pending(queue), claims: paths.claims(queue), results: paths.results(queue), cancels: paths.cancels(queue), slots: paths.slots(queue) };
  for (const [name, parent] of Object.entries(parents) as [keyof typeof parents, string][]) {
    const acl = parentAcl(name, access);
    await zk.setAcl(parent, acl);
    const childAcl = name === 'claims' || name === 'slots' ? lockAcl(access.daemons, access.admins) : acl;
    for (const child of await zk.childrenOrEmpty(parent)) await setAclIfExists(zk, `${parent}/${child}`, childAcl);
  }
  await zk.setAcl(paths.queue(queue), queueNodeAcl(access));
}

async function setAclIfExists(zk: ZkClient, path: string, acl: Acl[]): Promise<void> {
  try {
    await zk.setAcl(path, acl);
  } catch (err) {
    if (!(err instanceof NoNodeError)) throw err;
  }
}
