// A direct ZooKeeper session for tests that inspect or tamper with znodes,
// through the project's own wrapper (the same real client the programs use).
import { ZkClient } from '../../src/zk/client.js';
import { Paths } from '../../src/zk/paths.js';

export async function connectTo(connect: string, root: string): Promise<{ zk: ZkClient; paths: Paths }> {
  const zk = await ZkClient.connect({ connect, connectTimeoutMs: 10_000 });
  return { zk, paths: new Paths(root) };
}
