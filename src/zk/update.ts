// Read-modify-write of one znode's data under optimistic concurrency: the
// set is made at the version read, and a concurrent writer makes it fail
// with BadVersion, after which the change is computed again from a fresh
// read rather than overwriting the other writer's change. Racing writers
// back off with jitter so they do not collide again in step.
//
// Connection loss is not handled here: run it under `retry`. A set whose
// reply was lost is then computed again from what it wrote, so `change`
// must accept seeing its own earlier write (callers say what that costs).
import type { Stat, ZkClient } from './client.js';
import { BadVersionError } from './errors.js';

/** What a change decides: new data to write (or none), and the value to return. */
export interface Update<T> {
  data?: Buffer | string;
  value: T;
}

export async function updateData<T>(zk: ZkClient, path: string, change: (node: { data: Buffer; stat: Stat } | null) => Update<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const node = await zk.getOrNull(path);
    const update = change(node);
    if (update.data === undefined || node === null) return update.value;
    try {
      await zk.set(path, update.data, node.stat.version);
      return update.value;
    } catch (err) {
      if (!(err instanceof BadVersionError)) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(2 ** attempt, 100)));
    }
  }
}
