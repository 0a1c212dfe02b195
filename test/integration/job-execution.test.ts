// Job execution through the CLIs against real ZooKeeper and real daemons:
// pipelines, shell policy, wrappers, environment, timeouts, retries, cancel.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStandalone, waitFor, type ZkCluster } from '../helpers/zk-server.js';
import { FIXTURES, freshRoot, ok, run, startDaemon, type DaemonProcess } from '../helpers/cli.js';
import { processesOfJob } from '../helpers/processes.js';

let zk: ZkCluster;
const daemons: DaemonProcess[] = [];
const root = freshRoot();
const conn = () => ['--zk', zk.connectString, '--root', root];
const scratch = mkdtempSync(path.join(os.tmpdir(), 'zkjobs-exec-'));

before(async () => {
  zk = await startStandalone();
  daemons.push(await startDaemon({ zk: zk.connectString, root, nodeId: 'plain', slots: 4, queues: ['default'] }));
  daemons.push(await startDaemon({ zk: zk.connectString, root, nodeId: 'wrapped', slots: 2, queues: ['shelly'], args: ['--allow-shell', '--wrapper', path.join(FIXTURES, 'wrapper.sh')] }));
  await ok('zkjobq', ['create', ...conn(), 'idle']);
});
after(async () => {
  await Promise.all(daemons.map((d) => d.stop()));
  await zk?.stop();
});

async function statusOf(id: string): Promise<{ state: string; result: { exitCode: number | null; reason: string | null; stdoutTail: string; stderrTail: string; attempt: number } }> {
  return JSON.parse(await ok('zkjobc', ['status', ...conn(), '--json', id]));
}

async function submitAndWait(args: string[]): Promise<{ code: number | null; id: string }> {
  const r = await run('zkjobc', ['submit', ...conn(), '--wait', ...args], { timeoutMs: 60_000 });
  return { code: r.code, id: r.stdout.trim() };
}

test('a pipeline runs without a shell, stdout to stdin, with pipefail status', async () => {
  const sorted = await submitAndWait(['--', 'printf', 'b\\na\\nb\\n', '|', 'sort', '|', 'uniq', '-c']);
  // The daemon logs every stage, not only the first.
  await daemons[0].waitForLog(/job started.*sort \| uniq -c/);
  assert.equal(sorted.code, 0);
  assert.match((await statusOf(sorted.id)).result.stdoutTail, /^\s+1 a\n\s+2 b\n$/);
  assert.equal((await submitAndWait(['--', 'sh', '-c', 'echo err >&2; exit 3', '|', 'cat'])).code, 3, 'a failing first stage decides');
  assert.equal((await submitAndWait(['--', 'false', '|', 'true'])).code, 1, 'pipefail: not just the last stage');
  const literal = await submitAndWait(['--', 'echo', 'a', '\\|', 'b']);
  assert.equal((await statusOf(literal.id)).result.stdoutTail, 'a | b\n', '\\| is a literal |');
  const token = await submitAndWait(['--pipe-token', '::', '--', 'echo', 'x|y', '::', 'tr', '|', '-']);
  assert.equal((await statusOf(token.id)).result.stdoutTail, 'x-y\n');
});

test('shell jobs are refused unless the queue allows them', async () => {
  const refused = await submitAndWait(['--shell', 'echo hi']);
  assert.equal(refused.code, 1);
  const s = await statusOf(refused.id);
  assert.equal(s.state, 'failed');
  assert.equal(s.result.reason, 'shell jobs are not allowed on this queue');
  const allowed = await submitAndWait(['-q', 'shelly', '--shell', 'echo $((6*7)) | cat']);
  assert.equal(allowed.code, 0);
  assert.equal((await statusOf(allowed.id)).result.stdoutTail, '42\n');
});

test('a wrapper runs the job and sees the job variables', async () => {
  const r = await submitAndWait(['-q', 'shelly', '--', 'sh', '-c', 'echo "$ZKJOBS_JOB_ID $ZKJOBS_ATTEMPT"']);
  assert.equal(r.code, 0);
  const s = await statusOf(r.id);
  assert.equal(s.result.stdoutTail, `${r.id} 1\n`);
  assert.equal(s.result.stderrTail, `wrapped job=${r.id} queue=shelly attempt=1 node=wrapped\n`);
});

test('environment, working directory and standard input reach the job', async () => {
  const input = path.join(scratch, 'input');
  writeFileSync(input, 'from stdin\n');
  const r = await submitAndWait(['--env', 'GREETING=hello there', '--cwd', scratch, '--stdin', input, '--', 'sh', '-c', 'echo "$GREETING"; pwd; cat']);
  assert.equal(r.code, 0);
  assert.equal((await statusOf(r.id)).result.stdoutTail, `hello there\n${scratch}\nfrom stdin\n`);
});

test('--timeout kills the job and fails it with reason timeout', async () => {
  const started = Date.now();
  const r = await submitAndWait(['--timeout', '1s', '--', 'sleep', '60']);
  assert.equal(r.code, 128 + 15);
  assert.ok(Date.now() - started < 20_000);
  const s = await statusOf(r.id);
  assert.equal(s.state, 'failed');
  assert.equal(s.result.reason, 'timeout');
  // The daemon's finish line says why, as the result does.
  await daemons[0].waitForLog(new RegExp(`job finished.*${r.id}.*reason.*timeout|job finished.*reason.*timeout.*${r.id}`));
});

test('--retries runs a failing job again with backoff, counting attempts', async () => {
  const counter = path.join(scratch, 'tries');
  const always = await submitAndWait(['--retries', '2', '--retry-delay', '200ms', '--', 'sh', '-c', `echo x >> ${counter}; exit 4`]);
  assert.equal(always.code, 4);
  assert.equal(readFileSync(counter, 'utf8'), 'x\nx\nx\n', 'one run and two retries');
  assert.equal((await statusOf(always.id)).result.attempt, 3);
  const flag = path.join(scratch, 'flag');
  const second = await submitAndWait(['--retries', '3', '--retry-delay', '100ms', '--', 'sh', '-c', `test -f ${flag} && exit 0; touch ${flag}; exit 1`]);
  assert.equal(second.code, 0);
  assert.equal((await statusOf(second.id)).result.attempt, 2);
});

test('cancel: a running pipeline is killed with no process left; pending and finished jobs', async () => {
  const id = (await ok('zkjobc', ['submit', ...conn(), '--', 'sleep', '300', '|', 'sleep', '301'])).trim();
  await waitFor('both stages to run', () => processesOfJob(id, daemons[0].pid).length === 2, 20_000);
  const cancelled = await run('zkjobc', ['cancel', ...conn(), id], { timeoutMs: 60_000 });
  assert.equal(cancelled.code, 0, cancelled.stderr);
  assert.equal(cancelled.stdout, `${id} cancelled\n`);
  assert.deepEqual(processesOfJob(id, daemons[0].pid), [], 'no process of the job is left');
  assert.equal((await statusOf(id)).state, 'cancelled');

  const pending = (await ok('zkjobc', ['submit', ...conn(), '-q', 'idle', '--', 'true'])).trim();
  assert.equal(await ok('zkjobc', ['cancel', ...conn(), pending]), `${pending} cancelled\n`);
  assert.equal((await statusOf(pending)).state, 'cancelled');

  const again = await run('zkjobc', ['cancel', ...conn(), pending]);
  assert.equal(again.code, 1);
  assert.equal(again.stderr, `zkjobc: job ${pending} already cancelled; nothing to cancel\n`);
});

test('a spec too large for ZooKeeper is refused with exit 65, never truncated', async () => {
  const big = path.join(scratch, 'big');
  writeFileSync(big, Buffer.alloc(300 * 1024, 0x61));
  const before = await ok('zkjobq', ['list', ...conn(), '--json']);
  const r = await run('zkjobc', ['submit', ...conn(), '--stdin', big, '--', 'cat']);
  assert.equal(r.code, 65);
  assert.match(r.stderr, /^zkjobc: standard input is 307200 bytes, over the limit of 262144\n$/);
  assert.equal(await ok('zkjobq', ['list', ...conn(), '--json']), before);
});

test('--run-as runs jobs as an unprivileged user', { skip: process.getuid?.() !== 0 && 'needs root to switch users' }, async () => {
  const d = await startDaemon({ zk: zk.connectString, root, nodeId: 'asnobody', slots: 1, queues: ['asnobody'], args: ['--run-as', 'nobody'] });
  daemons.push(d);
  const r = await submitAndWait(['-q', 'asnobody', '--', 'id', '-un']);
  assert.equal(r.code, 0);
  assert.equal((await statusOf(r.id)).result.stdoutTail, 'nobody\n');
});
