// zkjobq purge destroys pending jobs only when told to: a pipe answering
// "n" must not purge, the refusal says what would go, and --yes does it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { bin, freshRoot, ok, run } from '../helpers/cli.js';
import { standaloneFixture } from '../helpers/fixture.js';

const fixture = standaloneFixture();

test('purge with pending jobs and no --yes on a pipe refuses with 64, removes nothing, says what would go', async () => {
  const root = freshRoot();
  const conn = ['--zk', fixture.zk().connectString, '--root', root];
  await ok('zkjobq', ['create', ...conn, 'q']);
  // No daemon serves q: the jobs stay pending; one is cancelled, i.e. finished.
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await ok('zkjobc', ['submit', ...conn, '-q', 'q', '--', 'true'])).trim());
  await ok('zkjobc', ['cancel', ...conn, ids[0]]);
  const jobs = async () => (await ok('zkjobq', ['list', ...conn, 'q', '--parsable', '--format', 'JOB'])).trim().split('\n').filter(Boolean);

  const refused = await run('zkjobq', ['purge', ...conn, 'q'], { input: 'n\n' });
  assert.equal(refused.code, 64, refused.stderr + refused.stdout);
  assert.match(refused.stderr, /^zkjobq: purge would remove 3 jobs: 2 pending, 1 finished from q; pending jobs are removed only with --yes/);
  assert.equal(refused.stdout, '');
  assert.equal((await jobs()).length, 3, 'nothing removed');

  const yes = await run('zkjobq', ['purge', ...conn, 'q'], { input: 'y\n' });
  assert.equal(yes.code, 64, 'a pipe cannot answer yes either');
  assert.equal((await jobs()).length, 3);

  // Finished jobs only: nothing pending is at stake, a script may purge them.
  assert.match(await ok('zkjobq', ['purge', ...conn, 'q', '--state', 'finished']), /^purged 1 jobs from q \(0 pending, 1 finished/);
  assert.match(await ok('zkjobq', ['purge', ...conn, 'q', '--yes']), /^purged 2 jobs from q \(2 pending, 0 finished/);
  assert.deepEqual(await jobs(), []);
});

/** Run zkjobq on a pseudo-terminal (util-linux `script`), feeding `input` to it; the terminal's transcript. */
function onTerminal(args: string[], input: string): Promise<{ code: number | null; transcript: string }> {
  const command = [bin('zkjobq'), ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let transcript = '';
    child.stdout.on('data', (d) => (transcript += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, transcript }));
    child.stdin.end(input);
  });
}

test('purge on a terminal asks with the counts, then shows its progress; a pipe gets no progress line', async () => {
  const root = freshRoot();
  const conn = ['--zk', fixture.zk().connectString, '--root', root];
  await ok('zkjobq', ['create', ...conn, 'q']);
  await ok('zkjobc', ['submit', ...conn, '-q', 'q', '--batch', '-'], { input: Array.from({ length: 20 }, () => '["true"]').join('\n') + '\n' });
  const asked = await onTerminal(['purge', ...conn, 'q'], 'y\n');
  assert.equal(asked.code, 0, asked.transcript);
  assert.match(asked.transcript, /Remove 20 jobs: 20 pending, 0 finished from q\? \[y\/N\]/);
  assert.match(asked.transcript, /\r\x1b\[Kpurging q: \d+ of 20 jobs removed/);
  assert.match(asked.transcript, /\r\x1b\[Kpurged 20 jobs from q \(20 pending, 0 finished/, 'the progress line is erased before the count');

  await ok('zkjobc', ['submit', ...conn, '-q', 'q', '--batch', '-'], { input: '["true"]\n["true"]\n' });
  const piped = await run('zkjobq', ['purge', ...conn, 'q', '--yes']);
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(piped.stderr, '', 'no progress line off a terminal');
  assert.match(piped.stdout, /^purged 2 jobs from q/);
});
