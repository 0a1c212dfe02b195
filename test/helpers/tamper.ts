// Writing into a queue as a stranger would: straight through the wrapper of
// the binding, names and node types zkjobs never writes. For the tests of
// zkjobq check and of how daemons contain such znodes.
import { NodeExistsError } from '../../src/zk/errors.js';
import type { ZkClient, CreateMode } from '../../src/zk/client.js';
import type { Paths } from '../../src/zk/paths.js';

/** Create `path` with its missing parents (persistent, empty), then the znode itself. */
export async function plant(zk: ZkClient, path: string, data: Buffer | string, mode: CreateMode = 'persistent'): Promise<void> {
  const parts = path.split('/').filter(Boolean);
  for (let i = 1; i < parts.length; i++) {
    try {
      await zk.create(`/${parts.slice(0, i).join('/')}`, '');
    } catch (err) {
      if (!(err instanceof NodeExistsError)) throw err;
    }
  }
  await zk.create(path, data, mode);
}

/** A path under the queue's znode, built from its relative form ("pending/0000000000/01"). */
export function under(paths: Paths, queue: string, relative: string): string {
  return `${paths.queue(queue)}/${relative}`;
}
