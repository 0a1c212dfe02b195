// Live and stored output: `zkjobc logs -f` follows a running job from the
// node that runs it; `zkjobc output` prints the whole stored output after
// the end, beyond the result's 64 KiB tail, and falls back to that tail
// when the node is gone. The endpoint honours its access token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStandalone, waitFor, type ZkCluster } from '../helpers/zk-server.js';
import { bin, freshRoot, ok, run, startDaemon, type DaemonProcess } from '../helpers/cli.js';

let zk: ZkCluster;
const daemons: DaemonProcess[] = [];
const root = freshRoot();
const conn = () => ['--zk', zk.connectString, '--root', root];
const tokenFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'zkjobs-token-')), 'token');

before(async () => {
  zk = await startStandalone();
  writeFileSync(tokenFile, 's3cret\n');
  daemons.push(await startDaemon({ zk: zk.connectString, root, nodeId: 'out', slots: 2, queues: ['default', 'other'] }));
});
after(async () => {
  await Promise.all(daemons.map((d) => d.stop()));
  await zk?.stop();
});

test('logs -f sees lines as they are written and ends with the job', async () => {
  // The job holds its last line until the test opens a gate, so "while it
  // runs" is shown by what the follower has received, not by timing.
  const gate = path.join(mkdtempSync(path.join(os.tmpdir(), 'zkjobs-gate-')), 'open');
  const script = `echo one; echo two >&2; echo three; while [ ! -e ${gate} ]; do sleep 0.05; done; echo four`;
  const id = (await ok('zkjobc', ['submit', ...conn(), '--', 'sh', '-c', script])).trim();
  await waitFor('the job to run', async () => (await ok('zkjobc', ['status', ...conn(), id])).includes('running'), 20_000);
  const follower = spawn(bin('zkjobc'), ['logs', ...conn(), '-f', id]);
  let received = '';
  follower.stdout.on('data', (c: Buffer) => (received += c.toString()));
  const closed = new Promise((resolve) => follower.on('close', resolve));
  await waitFor('"one" and "three" while the job runs', () => received === 'one\nthree\n', 20_000, 50);
  assert.match(await ok('zkjobc', ['status', ...conn(), id]), /running/, 'the job was still running when they arrived');
  writeFileSync(gate, '');
  assert.equal(await closed, 0);
  assert.equal(received, 'one\nthree\nfour\n', 'the follower ends with the job, having printed all of it once');
  assert.equal(await ok('zkjobc', ['logs', ...conn(), '--stderr', id]), 'two\n');
});

test('output prints the whole stored output, beyond the result tail', async () => {
  const r = await run('zkjobc', ['submit', ...conn(), '--wait', '--', 'seq', '1', '100000']);
  assert.equal(r.code, 0);
  const id = r.stdout.trim();
  const out = await ok('zkjobc', ['output', ...conn(), id]);
  assert.equal(out.split('\n').length - 1, 100_000);
  const status = JSON.parse(await ok('zkjobc', ['status', ...conn(), '--json', id]));
  assert.ok(status.result.stdoutTail.length <= 64 * 1024 && status.result.stdoutTail.length < out.length);
});

test('output and logs of a job that exists and is still pending: exit 1, it has not started', async () => {
  // A queue of its own, paused, so the job stays pending for as long as the test looks.
  await ok('zkjobq', ['create', ...conn(), 'held']);
  await ok('zkjobq', ['pause', ...conn(), 'held']);
  const id = (await ok('zkjobc', ['submit', ...conn(), '-q', 'held', '--', 'echo', 'later'])).trim();
  assert.match(await ok('zkjobc', ['status', ...conn(), id]), /pending/);
  for (const command of ['output', 'logs']) {
    const r = await run('zkjobc', [command, ...conn(), id]);
    assert.equal(r.code, 1, `${command}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `zkjobc: job ${id} has not started yet\n`, command);
  }
  assert.match(await ok('zkjobc', ['status', ...conn(), id]), /pending/, 'asking changed nothing');
  // A job that does not exist is another answer, not this one.
  const missing = await run('zkjobc', ['output', ...conn(), 'held/0000099999']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no such job held\/0000099999/);
});

test('logs -f on a job not started yet waits for the start, then follows it; a job cancelled meanwhile ends the wait', async () => {
  // A queue the daemon serves, paused so that the job waits until the test resumes it.
  await ok('zkjobq', ['pause', ...conn(), 'other']);
  const id = (await ok('zkjobc', ['submit', ...conn(), '-q', 'other', '--', 'echo', 'hello'])).trim();
  const follow = (job: string) => {
    const child = spawn(bin('zkjobc'), ['logs', ...conn(), '-f', job]);
    const seen = { stdout: '', stderr: '' };
    child.stdout.on('data', (c: Buffer) => (seen.stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (seen.stderr += c.toString()));
    return { seen, closed: new Promise<number | null>((resolve) => child.on('close', resolve)), child };
  };
  const first = follow(id);
  await waitFor('the follower to say it waits', () => first.seen.stderr.includes(`job ${id} has not started yet; waiting for it to start`), 20_000, 50);
  assert.equal(first.child.exitCode, null, 'still waiting while the job is pending');
  await ok('zkjobq', ['resume', ...conn(), 'other']);
  assert.equal(await first.closed, 0, first.seen.stderr);
  assert.equal(first.seen.stdout, 'hello\n');

  await ok('zkjobq', ['pause', ...conn(), 'other']);
  const doomed = (await ok('zkjobc', ['submit', ...conn(), '-q', 'other', '--', 'echo', 'never'])).trim();
  const second = follow(doomed);
  await waitFor('the follower to wait', () => second.seen.stderr.includes('waiting for it to start'), 20_000, 50);
  await ok('zkjobc', ['cancel', ...conn(), doomed]);
  assert.equal(await second.closed, 0, second.seen.stderr);
  assert.equal(second.seen.stdout, '');
  assert.match(second.seen.stderr, new RegExp(`job ${doomed} cancelled before it started; it has no output\\n$`));
  await ok('zkjobq', ['resume', ...conn(), 'other']);
});

test('with a token, requests without it are refused (77); with it they work', async () => {
  // The token goes only to a node whose record its key signed: the client lists that key.
  const nodeKey = path.join(mkdtempSync(path.join(os.tmpdir(), 'zkjobs-guarded-')), 'node_ed25519');
  const guarded = await startDaemon({ zk: zk.connectString, root, nodeId: 'guarded', slots: 1, queues: ['guarded'], args: ['--http-token-file', tokenFile], env: { ZKJOBS_NODE_KEY: nodeKey } });
  daemons.push(guarded);
  const trustFile = path.join(path.dirname(tokenFile), 'authorized_daemons');
  writeFileSync(trustFile, readFileSync(`${nodeKey}.pub`, 'utf8'));
  const trusting = { ZKJOBS_AUTHORIZED_DAEMONS: trustFile };
  const r = await run('zkjobc', ['submit', ...conn(), '-q', 'guarded', '--wait', '--', 'echo', 'secret output']);
  const id = r.stdout.trim();
  const refused = await run('zkjobc', ['output', ...conn(), id], { env: trusting });
  assert.equal(refused.code, 77);
  assert.match(refused.stderr, /wrong or missing token/);
  assert.equal(await ok('zkjobc', ['output', ...conn(), id], { env: { ZKJOBS_HTTP_TOKEN: 's3cret', ...trusting } }), 'secret output\n');
  assert.equal(await ok('zkjobc', ['output', ...conn(), '--http-token-file', tokenFile, id], { env: trusting }), 'secret output\n');
  // Without the node's key to check its record against, the token is not sent at all.
  const unverified = await run('zkjobc', ['output', ...conn(), id], { env: { ZKJOBS_HTTP_TOKEN: 's3cret', ZKJOBS_AUTHORIZED_DAEMONS: 'none' } });
  assert.equal(unverified.code, 77);
  assert.match(unverified.stderr, /^zkjobc: not asking node guarded at .* for output: its record cannot be verified without an authorized_daemons file/);
});

test('when the node that ran it is gone, output falls back to the result tail', async () => {
  const gone = await startDaemon({ zk: zk.connectString, root, nodeId: 'gone', slots: 1, queues: ['gone'] });
  const r = await run('zkjobc', ['submit', ...conn(), '-q', 'gone', '--wait', '--', 'echo', 'kept in the result']);
  await gone.stop();
  const out = await run('zkjobc', ['output', ...conn(), r.stdout.trim()]);
  assert.equal(out.code, 0);
  assert.equal(out.stdout, 'kept in the result\n');
  assert.match(out.stderr, /^zkjobc: node gone is not running.*printing the last stdout kept with the result\n$/);
});
