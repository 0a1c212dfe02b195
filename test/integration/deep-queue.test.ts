// A deep queue: 100,000 pending jobs on one standalone ZooKeeper with its
// default jute.maxbuffer. Listing is paginated, and a daemon claims the
// head in FIFO order, across a bucket boundary, without reading the queue.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStandalone, waitFor, type ZkCluster } from '../helpers/zk-server.js';
import { FIXTURES, freshRoot, ok, startDaemon, type DaemonProcess } from '../helpers/cli.js';
import { readRunEvents } from '../helpers/run-records.js';
import { recordFile } from '../helpers/jobs.js';
import { connectTo } from '../helpers/zk.js';
import { reserveSequences } from '../../src/submit.js';
import { BUCKET_SIZE } from '../../src/zk/paths.js';

const DEPTH = 100_000;
let zk: ZkCluster;
let daemon: DaemonProcess | undefined;

before(async () => {
  zk = await startStandalone();
});
after(async () => {
  await daemon?.stop();
  await zk?.stop();
});

test('100,000 pending jobs: submitted in one batch, listed a page at a time, claimed in FIFO order', async () => {
  const root = freshRoot();
  const record = recordFile('deep');
  const conn = ['--zk', zk.connectString, '--root', root];
  await ok('zkjobq', ['create', ...conn, 'default']);
  // Start just short of a bucket boundary so that the head crosses it.
  const { zk: client, paths } = await connectTo(zk.connectString, root);
  await reserveSequences(client, paths, 'default', BUCKET_SIZE - 31);
  client.close();

  const line = JSON.stringify([`${FIXTURES}/record-run.sh`, record]);
  const input = `${Array.from({ length: DEPTH }, () => line).join('\n')}\n`;
  const ids = (await ok('zkjobc', ['submit', ...conn, '--batch', '-'], { input, timeoutMs: 300_000 })).trim().split('\n');
  assert.equal(ids.length, DEPTH);
  assert.equal(ids[0], `default/${String(BUCKET_SIZE - 30).padStart(10, '0')}`);

  const page = (await ok('zkjobq', ['list', ...conn, '--json', '--limit', '5'])).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(page.map((r) => [r.id, r.state]), ids.slice(0, 5).map((id) => [id, 'pending']));

  daemon = await startDaemon({ zk: zk.connectString, root, nodeId: 'deep', slots: 1 });
  const started = await waitFor('the first 100 jobs to start', () => {
    const starts = readRunEvents(record).filter((e) => e.kind === 'start');
    return starts.length >= 100 && starts;
  }, 120_000, 100);
  assert.deepEqual(started.slice(0, 100).map((e) => e.job), ids.slice(0, 100));
});
