// Orphan detection against real processes: a job group is an orphan only
// when the daemon that started it is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { findOrphanGroups, killGroups } from '../../../src/daemon/orphans.js';

const NODE = `orphan-test-${process.pid}`;
const started: ChildProcess[] = [];

/** A process of its own group, as the daemon starts jobs, with the job variables. */
function fakeJob(daemonPid: number): ChildProcess {
  const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore', env: { ...process.env, ZKJOBS_NODE: NODE, ZKJOBS_JOB_ID: 'q/0000000001', ZKJOBS_DAEMON_PID: String(daemonPid) } });
  started.push(child);
  return child;
}

/** A live process whose command line says zkjobd, standing in for a running daemon. */
function fakeDaemon(): ChildProcess {
  const child = spawn('sh', ['-c', 'sleep 30', 'zkjobd'], { stdio: 'ignore' });
  started.push(child);
  return child;
}

/** Until each child has exec'd `program` (before that, /proc shows the parent's environment), at most 5 s. */
async function execed(children: ChildProcess[], program: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  const ready = () => children.every((c) => readFileSync(`/proc/${c.pid}/cmdline`, 'latin1').startsWith(program));
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`children did not exec ${program}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

test("a job whose daemon is dead, or whose daemon pid is now another program's, is an orphan; a live daemon's is not", async (t) => {
  t.after(() => started.forEach((c) => c.kill('SIGKILL')));
  const ofDead = fakeJob(await deadPid());
  const ofReused = fakeJob(fakeJob(0).pid!); // a live pid that is not a zkjobd
  const ofLive = fakeJob(fakeDaemon().pid!);
  await execed([ofDead, ofReused, ofLive], 'sleep');
  const found = findOrphanGroups(NODE);
  assert.ok(found.includes(ofDead.pid!), 'dead daemon');
  assert.ok(found.includes(ofReused.pid!), 'pid reused by another program');
  assert.ok(!found.includes(ofLive.pid!), 'live daemon: its jobs are its own');
  assert.ok(!findOrphanGroups(`other-${NODE}`).length, 'other node ids are never touched');
  killGroups(found);
  await new Promise((r) => ofDead.on('exit', r));
  assert.equal(ofLive.exitCode, null, 'the live daemon\'s job still runs');
});
