// The whole ZooKeeper service down for several seconds, then back: jobs that
// were running either publish their results after reconnection or are
// re-run; none is lost, none has two results, no daemon needs a restart.
import { test } from 'node:test';
import { standaloneFixture } from '../helpers/fixture.js';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { waitFor } from '../helpers/zk-server.js';
import { freshRoot, startDaemon, type DaemonProcess } from '../helpers/cli.js';
import { readRunEvents, startsPerJob } from '../helpers/run-records.js';
import { recordFile, submitRecorded, waitAllFinished } from '../helpers/jobs.js';

const fixture = standaloneFixture();
const daemons = fixture.daemons;

test('ZooKeeper down for 6 s under load: every job ends with one result, daemons survive', async () => {
  const root = freshRoot();
  const record = recordFile('outage');
  for (const nodeId of ['a', 'b']) daemons.push(await startDaemon({ zk: fixture.zk().connectString, root, nodeId, slots: 3 }));
  const ids = await submitRecorded(fixture.zk().connectString, root, record, 30, '1');
  await waitFor('jobs to be running', () => readRunEvents(record).filter((e) => e.kind === 'start').length >= 4, 20_000);

  await fixture.zk().members[0].kill();
  await delay(6_000); // the outage itself, not a wait for a condition
  await fixture.zk().members[0].start();

  const results = await waitAllFinished(fixture.zk().connectString, root, ids.length, 90_000);
  assert.deepEqual(results.map((r) => r.id), ids);
  assert.ok(results.every((r) => r.state === 'succeeded'), JSON.stringify(results.map((r) => r.state)));
  const starts = startsPerJob(readRunEvents(record));
  assert.deepEqual(ids.filter((id) => !starts.has(id)), [], 'every job ran');
  for (const d of daemons) assert.ok(d.alive, `${d.options.nodeId} still runs: ${d.child.exitCode ?? d.child.signalCode}`);
  const killed = daemons.map((d) => (d.log.match(/killing job: claim lost/g) ?? []).length).reduce((a, b) => a + b, 0);
  const reruns = [...starts.values()].filter((n) => n > 1).length;
  assert.ok(reruns <= killed, `${reruns} re-runs, but only ${killed} jobs were killed for a lost claim`);
});
