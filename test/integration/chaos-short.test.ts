// A short chaos run in every `make test`; `make chaos` runs the long one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runChaos } from '../chaos/chaos.js';

test('jobs under daemon kills, freezes and ZooKeeper restarts: one result each, re-runs explained', async () => {
  const lines: string[] = [];
  const report = await runChaos({ jobs: 400, daemons: 3, slots: 3, jobSeconds: '0.1', chaosMs: 20_000, log: (l) => lines.push(l) });
  const context = `${JSON.stringify(report)}\n${lines.join('\n')}`;
  assert.ok(report.disruptions.kill + report.disruptions.freeze + report.disruptions['zk-restart'] >= 2, `some chaos happened: ${context}`);
  assert.equal(report.results, report.jobs, `every job has its one result: ${context}`);
  assert.equal(report.succeeded, report.jobs, context);
  assert.deepEqual(report.neverRan, [], context);
  assert.deepEqual(report.unexplainedReruns, [], context);
});
