// The fixture behind the partition test's fencing check: a run of
// test/fixtures/stubborn-run.sh says at its start which processes of an
// earlier run of the same job are still alive. The partition test asserts
// that none are ("-"), which would hold vacuously if the fixture saw
// nothing at all; and it failed when the fixture counted another test's job
// of the same id as an earlier run. Real processes, no ZooKeeper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIXTURES } from '../helpers/cli.js';
import { readMarks } from '../helpers/run-records.js';
import { waitFor } from '../helpers/zk-server.js';

const SCRIPT = path.join(FIXTURES, 'stubborn-run.sh');
// The id every test's first job has: the collision this guards against.
const env = { ...process.env, ZKJOBS_JOB_ID: 'default/0000000001', ZKJOBS_NODE: 'fixture' };

/** A run of the fixture in a process group of its own, as a daemon starts each job. */
function startRun(out: string, seconds: number) {
  return spawn(SCRIPT, [out, String(seconds)], { env, detached: true, stdio: 'ignore' });
}

/** A short run to its end, in the test's own process group; what its start mark said was alive. */
function startMarkOf(out: string): string {
  const r = spawnSync(SCRIPT, [out, '0'], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const starts = readMarks(out).filter((m) => m.kind === 'start');
  return starts[starts.length - 1].extra;
}

test("stubborn-run.sh sees an earlier run of its own test alive, and not another test's job of the same id", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zkjobs-stubborn-'));
  const ours = path.join(dir, 'runs');
  const theirs = path.join(dir, 'other-test-runs');
  const earlier = startRun(ours, 60);
  try {
    await waitFor('the earlier run to start', () => readMarks(ours).some((m) => m.kind === 'start'), 10_000);
    assert.equal(startMarkOf(theirs), '-', "another test's run of the same job id is not ours");
    // The earlier shell, and perhaps a `sleep` of its between two ticks.
    const seen = startMarkOf(ours);
    assert.ok(seen.split(',').includes(String(earlier.pid)), `the earlier run of our own is seen alive: ${seen}, its shell is ${earlier.pid}`);
  } finally {
    process.kill(-earlier.pid!, 'SIGKILL');
  }
});
