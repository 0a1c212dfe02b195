// zkjobd's start-up failures end promptly with the documented exit code:
// --connect-timeout is honoured, and a node id held by another live daemon
// is exit 69 within seconds, not a silent wait that never exits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../helpers/zk-server.js';
import { DaemonProcess, freshRoot, startDaemon } from '../helpers/cli.js';
import { standaloneFixture } from '../helpers/fixture.js';

const fixture = standaloneFixture();

/** Resolve with the daemon's exit, or null if it has not exited within ms. */
async function exitWithin(d: DaemonProcess, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((r) => (timer = setTimeout(() => r(null), ms)));
  try {
    return await Promise.race([d.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

test('zkjobd --connect-timeout bounds the wait for an unreachable ZooKeeper', async () => {
  const zk = `127.0.0.1:${await freePort()}`; // nothing listens there
  const started = performance.now();
  const d = new DaemonProcess({ zk, root: freshRoot(), nodeId: 'unreachable', args: ['--connect-timeout', '1000'] });
  fixture.daemons.push(d);
  const exit = await exitWithin(d, 12_000);
  const ms = Math.round(performance.now() - started);
  assert.notEqual(exit, null, `still running after 12 s, --connect-timeout 1000 ignored:\n${d.log}`);
  assert.equal(exit!.code, 69, d.log);
  assert.match(d.log, new RegExp(`cannot connect to ZooKeeper at ${zk} within 1000 ms`));
  assert.ok(ms < 12_000, `exited after ${ms} ms`);
});
test('a second zkjobd with a node id in use exits 69 within seconds', async () => {
  const root = freshRoot();
  const first = await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'twin' });
  fixture.daemons.push(first);
  const started = performance.now();
  const second = new DaemonProcess({ zk: fixture.zk().connectString, root, nodeId: 'twin' });
  fixture.daemons.push(second);
  // A few seconds of grace plus a loaded machine's start-up; far below the session-timeout wait (2 × 4 s + 5 s).
  const exit = await exitWithin(second, 12_000);
  const ms = Math.round(performance.now() - started);
  assert.notEqual(exit, null, `the second daemon did not exit within 12 s:\n${second.log}`);
  assert.equal(exit!.code, 69, second.log);
  assert.match(second.log, /node id 'twin' is registered by another live zkjobd/);
  assert.doesNotMatch(second.log, /zkjobd started/);
  assert.ok(first.child.exitCode === null, 'the first daemon runs on');
  console.log(`# second zkjobd exited 69 after ${ms} ms`);
});
