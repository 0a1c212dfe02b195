// A short chaos run in every `make test`; `make chaos` runs the long one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runChaos } from '../chaos/chaos.js';

test('jobs under daemon kills, freezes and ZooKeeper restarts: one result each, re-runs explained', async () => {
  const lines: string[] = [];
  // 400 jobs of 0.5 s on 9 slots are at least 22 s of work, so the 20 s of
  // disruptions land while jobs run (at 0.1 s a fast fleet finished them
  // all during the first disruption, and the run tested nothing).
  const report = await runChaos({ jobs: 400, daemons: 3, slots: 3, jobSeconds: '0.5', chaosMs: 20_000, log: (l) => lines.push(l) });
  const context = `${JSON.stringify(report)}\n${lines.join('\n')}`;
  assert.ok(report.disruptions.kill + report.disruptions.freeze + report.disruptions['zk-restart'] >= 2, `some chaos happened: ${context}`);
  assert.equal(report.results, report.jobs, `every job has its one result: ${context}`);
  assert.equal(report.succeeded, report.jobs, context);
  assert.deepEqual(report.neverRan, [], context);
  assert.deepEqual(report.unexplainedReruns, [], context);
});
