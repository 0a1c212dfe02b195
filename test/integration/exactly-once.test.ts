// Three daemons race over one queue: every job runs exactly once and has
// exactly one result.
import { test } from 'node:test';
import { standaloneFixture } from '../helpers/fixture.js';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '../helpers/zk-server.js';
import { FIXTURES, freshRoot, ok, startDaemon, type DaemonProcess } from '../helpers/cli.js';
import { readRunEvents, startsPerJob } from '../helpers/run-records.js';
import { connectTo } from '../helpers/zk.js';
import { listJobs } from '../../src/job-list.js';

const fixture = standaloneFixture();
const daemons = fixture.daemons;

test('300 jobs over three daemons: each ran once, each has one result', async () => {
  const root = freshRoot();
  const record = path.join(mkdtempSync(path.join(os.tmpdir(), 'zkjobs-once-')), 'runs');
  for (const nodeId of ['a', 'b', 'c']) daemons.push(await startDaemon({ zk: fixture.zk().connectString, root, nodeId, slots: 3 }));
  const lines = Array.from({ length: 300 }, () => JSON.stringify([path.join(FIXTURES, 'record-run.sh'), record])).join('\n');
  const ids = (await ok('zkjobc', ['submit', '--zk', fixture.zk().connectString, '--root', root, '--batch', '-'], { input: lines })).trim().split('\n');
  assert.equal(ids.length, 300);
  assert.equal(new Set(ids).size, 300);

  const { zk: client, paths } = await connectTo(fixture.zk().connectString, root);
  try {
    const finished = await waitFor('all 300 results', async () => {
      const rows = await listJobs(client, paths, 'default', { unfinished: true, finished: true, limit: 10_000 });
      return rows.filter((r) => r.result).length === 300 && rows;
    }, 90_000, 250);
    assert.equal(finished.length, 300, 'no job left pending or running');
    assert.deepEqual(finished.map((r) => r.id).sort(), [...ids].sort());
    assert.ok(finished.every((r) => r.state === 'succeeded'));
    const nodesUsed = new Set(finished.map((r) => r.node));
    assert.ok(nodesUsed.size >= 2, `work should spread over the daemons, went to ${[...nodesUsed]}`);
  } finally {
    client.close();
  }
  const starts = startsPerJob(readRunEvents(record));
  assert.equal(starts.size, 300);
  const twice = [...starts].filter(([, n]) => n !== 1);
  assert.deepEqual(twice, [], 'no job ran twice');
});
