// The usual frame of an integration test file: one fresh standalone
// ZooKeeper for the file, and every daemon a test starts stopped at the end.
import { before, after } from 'node:test';
import { startStandalone, type ZkCluster } from './zk-server.js';
import type { DaemonProcess } from './cli.js';

export interface Fixture {
  /** The file's ZooKeeper (available once `before` has run). */
  zk(): ZkCluster;
  /** Push every daemon started, so that it is stopped after the tests. */
  daemons: DaemonProcess[];
}

export function standaloneFixture(): Fixture {
  let zk: ZkCluster | undefined;
  const daemons: DaemonProcess[] = [];
  before(async () => {
    zk = await startStandalone();
  });
  after(async () => {
    for (const d of daemons) d.signal('SIGCONT'); // a test may have left one frozen
    await Promise.all(daemons.map((d) => d.stop()));
    await zk?.stop();
  });
  return { zk: () => zk!, daemons };
}
