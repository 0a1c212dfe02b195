// FIFO order and the per-node slot limit, measured from the jobs themselves.
import { test } from 'node:test';
import { standaloneFixture } from '../helpers/fixture.js';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/zk-server.js';
import { freshRoot, ok, startDaemon, type DaemonProcess } from '../helpers/cli.js';
import { recordFile, submitRecorded } from '../helpers/jobs.js';
import { maxConcurrency, readRunEvents } from '../helpers/run-records.js';

const fixture = standaloneFixture();
const daemons = fixture.daemons;

test('one daemon with one slot starts jobs in submission order', async () => {
  const root = freshRoot();
  const record = recordFile();
  await ok('zkjobq', ['create', '--zk', fixture.zk().connectString, '--root', root, 'default']);
  const ids = await submitRecorded(fixture.zk().connectString, root, record, 25, '0');
  daemons.push(await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'fifo', slots: 1 }));
  const events = await waitFor('25 jobs to end', () => {
    const e = readRunEvents(record);
    return e.filter((x) => x.kind === 'end').length === 25 && e;
  }, 60_000, 100);
  const started = events.filter((e) => e.kind === 'start').map((e) => e.job);
  assert.deepEqual(started, ids);
  assert.equal(maxConcurrency(events), 1);
});

test('with --slots 4 never more than four jobs run at once, and four do', async () => {
  const root = freshRoot();
  const record = recordFile();
  await ok('zkjobq', ['create', '--zk', fixture.zk().connectString, '--root', root, 'default']);
  await submitRecorded(fixture.zk().connectString, root, record, 16, '0.4');
  daemons.push(await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'four', slots: 4 }));
  const events = await waitFor('16 jobs to end', () => {
    const e = readRunEvents(record);
    return e.filter((x) => x.kind === 'end').length === 16 && e;
  }, 60_000, 100);
  assert.equal(maxConcurrency(events), 4);
});
