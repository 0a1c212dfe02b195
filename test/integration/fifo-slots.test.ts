// FIFO order and the per-node slot limit, measured from the jobs themselves.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStandalone, waitFor, type ZkCluster } from '../helpers/zk-server.js';
import { FIXTURES, freshRoot, ok, startDaemon, type DaemonProcess } from '../helpers/cli.js';
import { maxConcurrency, readRunEvents } from '../helpers/run-records.js';

let zk: ZkCluster;
const daemons: DaemonProcess[] = [];

before(async () => {
  zk = await startStandalone();
});
after(async () => {
  await Promise.all(daemons.map((d) => d.stop()));
  await zk?.stop();
});

function recordFile(): string {
  return path.join(mkdtempSync(path.join(os.tmpdir(), 'zkjobs-fifo-')), 'runs');
}

/** Create the queue and submit `count` record-run jobs in one batch, before any daemon serves it. */
async function submitRecorded(root: string, record: string, count: number, sleep: string): Promise<string[]> {
  await ok('zkjobq', ['create', '--zk', zk.connectString, '--root', root, 'default']);
  const lines = Array.from({ length: count }, () => JSON.stringify([path.join(FIXTURES, 'record-run.sh'), record, sleep])).join('\n');
  return (await ok('zkjobc', ['submit', '--zk', zk.connectString, '--root', root, '--batch', '-'], { input: lines })).trim().split('\n');
}

test('one daemon with one slot starts jobs in submission order', async () => {
  const root = freshRoot();
  const record = recordFile();
  const ids = await submitRecorded(root, record, 25, '0');
  daemons.push(await startDaemon({ zk: zk.connectString, root, nodeId: 'fifo', slots: 1 }));
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
  await submitRecorded(root, record, 16, '0.4');
  daemons.push(await startDaemon({ zk: zk.connectString, root, nodeId: 'four', slots: 4 }));
  const events = await waitFor('16 jobs to end', () => {
    const e = readRunEvents(record);
    return e.filter((x) => x.kind === 'end').length === 16 && e;
  }, 60_000, 100);
  assert.equal(maxConcurrency(events), 4);
});
