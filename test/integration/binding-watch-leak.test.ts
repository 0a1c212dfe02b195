// The zookeeper binding, as patched at install (patches/zookeeper+7.3.0.patch),
// frees a watch's callback once it fired. Unpatched it kept every one:
// about 250 bytes of JS heap and 1 KB of resident memory per fired watch,
// gigabytes over the months a daemon lives.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { startStandalone, type ZkCluster } from '../helpers/zk-server.js';
import { REPO } from '../helpers/cli.js';

const exec = promisify(execFile);
let zk: ZkCluster;

before(async () => {
  zk = await startStandalone();
});
after(async () => {
  await zk?.stop();
});

test('fired watches leave no JS heap behind', async () => {
  const script = path.join(REPO, 'dist', 'test', 'helpers', 'watch-churn.js');
  // 70-110 s measured at a load average of 19 (two cores, six test runs):
  // the bound is for a hung child, not for a slow one.
  const { stdout } = await exec(process.execPath, ['--expose-gc', script, zk.connectString, '8000'], { timeout: 600_000 });
  const m = JSON.parse(stdout);
  const perWatch = (m.heapAfter - m.heapBefore) / m.count;
  assert.ok(perWatch < 40, `JS heap grew ${perWatch.toFixed(0)} bytes per fired watch (${JSON.stringify(m)})`);
});
