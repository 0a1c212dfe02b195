// Deleting a znode that someone else may be about to replace. A repair
// judges one znode (a persistent claim, a stranger's slot) and must delete
// that znode, never a live claim a daemon creates at the same path a
// moment later: deleting that would let a second daemon run the job at
// the same time. ZooKeeper's delete is conditional only on the data
// version, and a fresh claim has version 0, like most hand-made znodes.
// So, in this order:
//  1. if the znode examined has version 0, set its data (unchanged) at
//     version 0, which makes it version 1. Claims and slots are never set
//     by zkjobs (they are created whole and deleted), so a znode at version
//     1 or more at that path is not one a claimer made;
//  2. stat it again: if its czxid or owner is not the one examined, it was
//     replaced before step 1: stop, delete nothing. (Step 1 may then have
//     written the old znode's bytes into the newcomer's record; a claim or
//     slot record is only shown by list and stat, never used to decide:
//     ownership is the ephemeralOwner, which a set does not change);
//  3. delete at the version now known. A replacement made after step 2 is
//     at version 0 and the delete fails with BadVersion: nothing deleted.
import { BadVersionError, NoNodeError, NotEmptyError } from '../zk/errors.js';
import type { ZkClient } from '../zk/client.js';
import { retry } from '../zk/retry.js';
import type { Examined } from './finding.js';

export type FencedOutcome = 'deleted' | 'gone' | 'replaced';

/** Safe to run again under the retry policy: after a lost reply it finds its own set (version 1, same czxid) or its delete done. */
export function deleteExamined(zk: ZkClient, path: string, was: Examined): Promise<FencedOutcome> {
  return retry(() => deleteExaminedOnce(zk, path, was));
}

async function deleteExaminedOnce(zk: ZkClient, path: string, was: Examined): Promise<FencedOutcome> {
  let node = await zk.getOrNull(path);
  if (!node) return 'gone';
  if (!same(node.stat, was)) return 'replaced';
  try {
    if (node.stat.version === 0) {
      await zk.set(path, node.data, 0);
      node = await zk.getOrNull(path);
      if (!node) return 'gone';
      if (!same(node.stat, was)) return 'replaced';
    }
    await zk.delete(path, node.stat.version);
    return 'deleted';
  } catch (err) {
    if (err instanceof NoNodeError) return 'gone';
    if (err instanceof BadVersionError) return 'replaced';
    throw err;
  }
}

function same(stat: { czxid: number; ephemeralOwner: string }, was: Examined): boolean {
  return stat.czxid === was.czxid && stat.ephemeralOwner === was.ephemeralOwner;
}

/**
 * Delete a znode that zkjobs never writes and anything under it, children
 * first, each parent listed only if small (MAX_LIST). Nobody but strangers
 * creates these names, so there is nothing to fence. Returns false when
 * something was left (too big, or refilled meanwhile). Safe to run again.
 */
export function deleteTree(zk: ZkClient, path: string, maxChildren: number): Promise<boolean> {
  return retry(() => deleteTreeOnce(zk, path, maxChildren, 3));
}

async function deleteTreeOnce(zk: ZkClient, path: string, maxChildren: number, depth: number): Promise<boolean> {
  const stat = await zk.exists(path);
  if (!stat) return true;
  if (stat.numChildren > 0) {
    if (depth === 0 || stat.numChildren > maxChildren) return false;
    for (const child of await zk.childrenOrEmpty(path)) {
      if (!(await deleteTreeOnce(zk, `${path}/${child}`, maxChildren, depth - 1))) return false;
    }
  }
  try {
    await zk.deleteIfExists(path);
    return true;
  } catch (err) {
    if (err instanceof NotEmptyError) return false;
    throw err;
  }
}
