// Run slots: how a queue's max_running holds across the whole cluster
// (DESIGN invariant 5) without a master and without multi.
//
// A queue limited to L running jobs has L slot names, queues/<q>/slots/0 …
// L-1. A daemon starts a job of the queue only while it holds a slot: an
// ephemeral znode it created in its current session. Two claimers can never
// both create the same name, so at most L jobs hold slots however they race.
// Order for each job:
//  1. list slots/; if L or more are held, the queue is full: claim nothing;
//  2. create slots/<k> ephemeral for free names k < L, picked at random so
//     that racing daemons rarely collide. NodeExists: a peer won that one;
//  3. claim jobs (claim.ts), one per slot won; give back the slots left over;
//  4. run the job and publish its result; 5. delete the slot, or hand it to
//     the next job of the queue on this node, after counting slots/ as in 1
//     (daemon/queue-limits.ts): the slot stays held, the count unchanged.
// Crash points: a daemon that dies, or whose session expires, at any step
// loses its slots with its session, exactly as it loses its claims, so a
// dead node never holds a slot and nothing needs cleaning. Between 4 and 5
// the slot is held a moment longer than the job runs: never too many.
//
// Lowering L while jobs run stops nothing: the slots they hold (some with
// k >= L) still count in step 1, so no new job starts until fewer than L
// run. Only claimers that all see room at the same instant may then
// overshoot the new limit by the number of old high slots, once, while
// those drain.
import { NoNodeError } from './zk/errors.js';
import type { Paths } from './zk/paths.js';
import type { ZkClient } from './zk/client.js';
import { retry } from './zk/retry.js';
import { createEphemeralOnce, deleteIfOwned, protectionToken } from './zk/ephemeral.js';
import { encodeJson } from './record.js';
import { slotsAclForNew } from './acl.js';
import { lockAclFor } from './fleet-access.js';

export interface SlotRecord {
  node: string;
  since: string;
  /** Unique to the create that wrote it (zk/ephemeral.ts). */
  token: string;
}

/** A slot held by this client: give it back with releaseRunSlot. */
export interface HeldSlot {
  path: string;
  /** Its name: the slot's number below the limit. */
  k: number;
  /** The session that created it: after expiry the slot is gone, and the name may be a peer's now. */
  session: string;
}

/**
 * Take up to `wanted` of the queue's `limit` slots; none when the queue is
 * full. `keepFree` slots are left for peers: a job claimed ahead of need
 * (daemon/claimed-ahead.ts) never takes the last free one, so that it never
 * keeps a peer with a free slot from running a job of the queue now.
 */
export async function acquireRunSlots(zk: ZkClient, paths: Paths, queue: string, limit: number, wanted: number, node: string, keepFree = 0): Promise<HeldSlot[]> {
  const won: HeldSlot[] = [];
  // Each round that wins nothing lost every create to a peer, which filled
  // those slots: a few rounds find the queue full or win something.
  for (let round = 0; round < 3 && won.length < wanted; round++) {
    const held = new Set(await retry(() => zk.childrenOrEmpty(paths.slots(queue))));
    const free = freeSlots(held, limit);
    if (free.length === 0) break;
    const picks = pickRandom(free, Math.min(wanted - won.length, limit - held.size - keepFree));
    if (picks.length === 0) break;
    const created = await Promise.all(picks.map((k) => createSlot(zk, paths, queue, k, node)));
    won.push(...created.filter((s): s is HeldSlot => s !== null));
  }
  return won;
}

/** Names below the limit that nobody holds; none when `limit` or more are held (a lowered limit). */
export function freeSlots(held: ReadonlySet<string>, limit: number): number[] {
  if (held.size >= limit) return [];
  const free: number[] = [];
  for (let k = 0; k < limit; k++) if (!held.has(String(k))) free.push(k);
  return free;
}

function pickRandom(from: number[], count: number): number[] {
  const pool = [...from];
  const picked: number[] = [];
  while (picked.length < count && pool.length > 0) picked.push(pool.splice(Math.floor(Math.random() * pool.length), 1)[0]);
  return picked;
}

/** One operation under the retry policy: the token recognises our own create after a lost reply. */
async function createSlot(zk: ZkClient, paths: Paths, queue: string, k: number, node: string): Promise<HeldSlot | null> {
  const path = paths.slot(queue, k);
  const record = encodeJson({ node, since: new Date().toISOString(), token: protectionToken() } satisfies SlotRecord);
  return retry(async () => {
    try {
      // With the lock ACL: nobody but daemons and admins may rewrite it or lock it with an ACL of their own.
      return (await createEphemeralOnce(zk, path, record, await lockAclFor(zk, paths, queue))) ? { path, k, session: zk.sessionId } : null;
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
      await createSlotsParent(zk, paths, queue);
      return null;
    }
  });
}

/** A queue made before run slots existed has no slots/ yet: make it, with the queue's ACL. */
async function createSlotsParent(zk: ZkClient, paths: Paths, queue: string): Promise<void> {
  const acl = await slotsAclForNew(zk, paths, queue);
  await zk.createIfAbsent(paths.slots(queue), '', 'persistent', acl);
}

/** Give a slot back. A slot of an earlier session died with it: nothing to do. */
export async function releaseRunSlot(zk: ZkClient, slot: HeldSlot): Promise<void> {
  if (slot.session !== zk.sessionId) return;
  // The name may have been deleted (zkjobq delete --force) and taken by a peer: delete only our own.
  await retry(() => deleteIfOwned(zk, slot.path, slot.session));
}
