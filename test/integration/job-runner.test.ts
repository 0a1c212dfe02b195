// The job runner process (daemon/spawner.ts): jobs start there, off the
// daemon's main thread. A runner that dies must never leave a job running
// unfenced: its jobs are killed (even one that ignores TERM), their claims
// go back, and the job runs again, after the first run's processes are gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { standaloneFixture } from '../helpers/fixture.js';
import { waitFor } from '../helpers/zk-server.js';
import { freshRoot, ok, run, startDaemon } from '../helpers/cli.js';
import { processesOfJob } from '../helpers/processes.js';

const fixture = standaloneFixture();

/** Children of `parent` whose command line mentions `word`. */
function childrenNamed(parent: number, word: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && readFileSync(`/proc/${entry}/cmdline`, 'latin1').includes(word)) found.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'latin1'));

test('a job runner killed under a TERM-ignoring job: the job is killed, released and run again, never twice at once', async () => {
  const root = freshRoot();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zkjobs-runner-'));
  const record = path.join(dir, 'runs');
  // Attempt 1 ignores TERM and would run for a minute; attempt 2 ends at once.
  // Each start notes which processes of this job were alive then outside its own process group.
  const script = path.join(dir, 'job.sh');
  writeFileSync(script, `#!/bin/sh
trap '' TERM
own=$(cut -d' ' -f5 /proc/$$/stat)
others=$(for d in /proc/[0-9]*; do grep -qzx "ZKJOBS_JOB_ID=$ZKJOBS_JOB_ID" "$d/environ" 2>/dev/null && [ "$(cut -d' ' -f5 $d/stat 2>/dev/null)" != "$own" ] && echo -n "\${d#/proc/},"; done)
echo "start $ZKJOBS_ATTEMPT $$ \${others:--}" >> ${record}
[ "$ZKJOBS_ATTEMPT" = 1 ] && sleep 60
echo "end $ZKJOBS_ATTEMPT $$" >> ${record}
`);
  chmodSync(script, 0o755);
  const daemon = await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'solo', slots: 1 });
  fixture.daemons.push(daemon);
  const id = (await ok('zkjobc', ['submit', '--zk', fixture.zk().connectString, '--root', root, '--', script])).trim();
  const lines = () => (existsSync(record) ? readFileSync(record, 'utf8').trim().split('\n') : []);
  await waitFor('the first attempt to start', () => lines().some((l) => l.startsWith('start 1 ')), 20_000);
  const firstPid = Number(lines()[0].split(' ')[2]);
  const [runner] = childrenNamed(daemon.pid, 'spawner-process');
  assert.ok(runner, 'the daemon has a job runner process');

  process.kill(runner, 'SIGKILL');
  await waitFor('the first run to be killed', () => !alive(firstPid), 10_000, 50);
  await daemon.waitForLog(/job runner died/);

  const waited = await run('zkjobc', ['wait', '--zk', fixture.zk().connectString, '--root', root, id], { timeoutMs: 60_000 });
  assert.equal(waited.code, 0, `${waited.stderr}\n${daemon.log}`);
  const starts = lines().filter((l) => l.startsWith('start '));
  assert.equal(starts.length, 2, `one re-run: ${lines().join(' | ')}`);
  assert.match(starts[1], /^start 2 \d+ -$/, `no process of the first run alive when the second started: ${starts[1]}`);
  assert.ok(!lines().includes(`end 1 ${firstPid}`), 'the first run never finished');
  const [status] = (await ok('zkjobc', ['status', '--zk', fixture.zk().connectString, '--root', root, '--json', id])).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(status.state, 'succeeded');
  assert.equal(status.result.attempt, 2);
  assert.deepEqual(processesOfJob(id, daemon.pid), [], 'nothing of the job is left');
  assert.ok(daemon.alive, 'the daemon lives on');
  assert.equal(childrenNamed(daemon.pid, 'spawner-process').length, 1, 'a new runner took over');
});
