// `zkjobc run` (like srun) and `submit --wait --output`: the job's output
// is streamed to the client's own stdout and stderr while it runs, ends
// with the job without losing or repeating its last lines, and the client
// exits with the job's exit status. Ctrl-C (a real SIGINT to the real
// zkjobc) only stops waiting, unless --cancel-on-interrupt asks for the
// job to be cancelled.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStandalone, waitFor, type ZkCluster } from '../helpers/zk-server.js';
import { bin, freshRoot, ok, run, startDaemon, type DaemonProcess } from '../helpers/cli.js';

let zk: ZkCluster;
let daemon: DaemonProcess;
const root = freshRoot();
const conn = () => ['--zk', zk.connectString, '--root', root];
const scratch = mkdtempSync(path.join(os.tmpdir(), 'zkjobs-run-'));
let gates = 0;

before(async () => {
  zk = await startStandalone();
  daemon = await startDaemon({ zk: zk.connectString, root, nodeId: 'runner', slots: 2 });
});
after(async () => {
  await daemon?.stop();
  await zk?.stop();
});

/** A file the test creates to let a job go on: "while it runs" is then shown by what arrived, not by timing. */
function gate(): { path: string; open(): void } {
  const file = path.join(scratch, `gate-${++gates}`);
  return { path: file, open: () => writeFileSync(file, '') };
}

/** zkjobc running in the background, its output collected as it comes. */
function client(args: string[], env: Record<string, string> = {}) {
  const child = spawn(bin('zkjobc'), args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const seen = { stdout: '', stderr: '' };
  child.stdout.on('data', (c: Buffer) => (seen.stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (seen.stderr += c.toString()));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, seen, closed };
}

const jobIdIn = (text: string) => /default\/\d{10}/.exec(text)?.[0];

/** The id of the one job of the queue that is running now (run prints no id on stdout). */
async function runningJob(): Promise<string> {
  let id: string | undefined;
  await waitFor('a running job', async () => {
    const listed = await ok('zkjobq', ['list', ...conn(), '--state', 'running', '--json']);
    id = listed.trim() === '' ? undefined : (JSON.parse(listed.trim().split('\n').at(-1)!) as { id: string }).id;
    return id !== undefined;
  }, 20_000, 100);
  return id!;
}

test('run streams each line as the job writes it, stdout to stdout and stderr to stderr, and ends with the job', async () => {
  const g = gate();
  const script = `echo one; echo oops >&2; while [ ! -e ${g.path} ]; do sleep 0.05; done; echo two; echo last >&2`;
  const c = client(['run', ...conn(), '--', 'sh', '-c', script]);
  await waitFor('"one" and "oops" while the job runs', () => c.seen.stdout === 'one\n' && c.seen.stderr === 'oops\n', 30_000, 50);
  const id = await runningJob();
  assert.match(await ok('zkjobc', ['status', ...conn(), id]), /running/, 'the job was still running when its first lines arrived');
  g.open();
  const { code } = await c.closed;
  assert.equal(code, 0, c.seen.stderr);
  assert.equal(c.seen.stdout, 'one\ntwo\n', 'every line once: what the result keeps as its tail is not printed again');
  assert.equal(c.seen.stderr, 'oops\nlast\n');
});

test("run exits with the job's exit status, and a failed job's one line on stderr comes after its own output", async () => {
  const failed = await run('zkjobc', ['run', ...conn(), '--', 'sh', '-c', 'echo out; echo err >&2; exit 7']);
  assert.equal(failed.code, 7);
  assert.equal(failed.stdout, 'out\n');
  assert.match(failed.stderr, /^err\nzkjobc: default\/\d{10} failed exit 7 on runner\n$/);

  const killed = await run('zkjobc', ['run', ...conn(), '--', 'sh', '-c', 'kill -KILL $$']);
  assert.equal(killed.code, 128 + 9, killed.stderr);
  assert.match(killed.stderr, /^zkjobc: default\/\d{10} failed signal KILL on runner/);

  const timedOut = await run('zkjobc', ['run', ...conn(), '--timeout', '1s', '--', 'sleep', '60']);
  assert.equal(timedOut.code, 128 + 15, timedOut.stderr);
  assert.match(timedOut.stderr, /failed .*timeout/);

  const succeeded = await run('zkjobc', ['run', ...conn(), '--', 'true']);
  assert.deepEqual([succeeded.code, succeeded.stdout, succeeded.stderr], [0, '', '']);
});

test('run of a job that writes fast and exits at once: its whole output, no line lost or twice', async () => {
  // Beyond the 64 KiB tail, so a missing end or a repeated tail would show.
  const r = await run('zkjobc', ['run', ...conn(), '--', 'sh', '-c', 'seq 1 30000; seq 1 3000 >&2']);
  assert.equal(r.code, 0, r.stderr.slice(-500));
  assert.equal(r.stdout, Array.from({ length: 30000 }, (_, i) => `${i + 1}\n`).join(''));
  assert.equal(r.stderr, Array.from({ length: 3000 }, (_, i) => `${i + 1}\n`).join(''));
});

test('a node record that cannot be verified: one line says so, no request goes to it, and the output comes from the result', async () => {
  // A token to send and no authorized_daemons file to check the record against: the token must not go out.
  const env = { ZKJOBS_HTTP_TOKEN: 'not-for-strangers', ZKJOBS_AUTHORIZED_DAEMONS: 'none' };
  const small = await run('zkjobc', ['run', ...conn(), '--', 'sh', '-c', 'seq 1 1000; echo to-stderr >&2; exit 4'], { env });
  assert.equal(small.code, 4);
  assert.equal(small.stdout, Array.from({ length: 1000 }, (_, i) => `${i + 1}\n`).join(''), 'the whole output, from the result');
  const id = jobIdIn(small.stderr);
  assert.match(small.stderr, new RegExp(`^zkjobc: not streaming the output of ${id}: not asking node runner at 127\\.0\\.0\\.1:\\d+ for output: its record cannot be verified without an authorized_daemons file .*; what the result keeps is printed when the job ends\n`));
  assert.match(small.stderr, new RegExp(`\nto-stderr\nzkjobc: ${id} failed exit 4 on runner\n$`));
  assert.equal(small.stderr.split('\n').length, 4, 'one line about the stream, and no more');

  // Beyond the tail: what is printed is the tail, said to be only that.
  const big = await run('zkjobc', ['run', ...conn(), '--', 'seq', '1', '30000'], { env });
  assert.equal(big.code, 0);
  assert.match(big.stderr, /was not streamed; the last 64 KiB kept with the result follow\n$/);
  assert.equal(big.stdout.length, 64 * 1024);
  assert.ok(big.stdout.endsWith('\n29999\n30000\n'));
});

test('a job run again is followed again: each attempt\'s output once, with a note between them', async () => {
  const marker = path.join(scratch, 'tried-once');
  const script = `if [ -e ${marker} ]; then sleep 1; echo second; else touch ${marker}; echo first; sleep 1; exit 1; fi`;
  const r = await run('zkjobc', ['run', ...conn(), '--retries', '1', '--retry-delay', '1s', '--', 'sh', '-c', script]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'first\nsecond\n');
  assert.match(r.stderr, /^zkjobc: job default\/\d{10} runs again: attempt 2 on runner\n$/);
});

test('submit --wait --output prints the id, then the output as it comes; wait --output follows a job already running', async () => {
  const r = await run('zkjobc', ['submit', ...conn(), '--wait', '--output', '--', 'sh', '-c', 'echo hello; echo world >&2; exit 3']);
  assert.equal(r.code, 3);
  const id = jobIdIn(r.stdout);
  assert.equal(r.stdout, `${id}\nhello\n`);
  assert.equal(r.stderr, `world\nzkjobc: ${id} failed exit 3 on runner\n`);

  const g = gate();
  const late = (await ok('zkjobc', ['submit', ...conn(), '--', 'sh', '-c', `echo before; while [ ! -e ${g.path} ]; do sleep 0.05; done; echo after`])).trim();
  const w = client(['wait', ...conn(), '--output', late]);
  await waitFor('wait --output to show the first line', () => w.seen.stdout === 'before\n', 30_000, 50);
  g.open();
  assert.equal((await w.closed).code, 0, w.seen.stderr);
  assert.equal(w.seen.stdout, 'before\nafter\n');
});

test('wait --output on a job that has ended prints its whole stored output, beyond the 64 KiB tail, once', async () => {
  const id = (await ok('zkjobc', ['submit', ...conn(), '--wait', '--', 'sh', '-c', 'seq 1 30000; echo done >&2'])).trim();
  const r = await run('zkjobc', ['wait', ...conn(), '--output', id]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, Array.from({ length: 30000 }, (_, i) => `${i + 1}\n`).join(''), 'from the node\'s spool, not the tail');
  assert.equal(r.stderr, 'done\n');
});

test('--output and --cancel-on-interrupt need a wait for one job: exit 64', async () => {
  for (const args of [['submit', '--output', '--', 'true'], ['submit', '--cancel-on-interrupt', '--', 'true'], ['wait', '--output', 'default/0000000001', 'default/0000000002']]) {
    const r = await run('zkjobc', [...args.slice(0, 1), ...conn(), ...args.slice(1)]);
    assert.equal(r.code, 64, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^zkjobc: .*(--wait|one job)/, args.join(' '));
  }
});

test('Ctrl-C while run waits stops waiting (exit 130) and leaves the job running', async () => {
  const g = gate();
  const c = client(['run', ...conn(), '--', 'sh', '-c', `echo started; while [ ! -e ${g.path} ]; do sleep 0.05; done`]);
  await waitFor('the first line', () => c.seen.stdout === 'started\n', 30_000, 50);
  const id = await runningJob();
  c.child.kill('SIGINT');
  const { code } = await c.closed;
  assert.equal(code, 130, c.seen.stderr);
  assert.equal(c.seen.stderr, `zkjobc: interrupted: stopped waiting for ${id}; it is left queued or running, not cancelled (zkjobc status, wait, cancel)\n`);
  assert.match(await ok('zkjobc', ['status', ...conn(), id]), /running/, 'the job runs on');
  g.open();
  const after = await run('zkjobc', ['wait', ...conn(), id]);
  assert.equal(after.code, 0, 'and ends by itself');
});

test('Ctrl-C with --cancel-on-interrupt cancels the job and exits as the cancelled job (143)', async () => {
  const c = client(['run', ...conn(), '--cancel-on-interrupt', '--', 'sh', '-c', 'echo started; exec sleep 60']);
  await waitFor('the first line', () => c.seen.stdout === 'started\n', 30_000, 50);
  const id = await runningJob();
  c.child.kill('SIGINT');
  const { code } = await c.closed;
  assert.equal(code, 143, c.seen.stderr);
  assert.match(c.seen.stderr, new RegExp(`^zkjobc: interrupted: cancelling ${id}; Ctrl-C again stops waiting\\nzkjobc: ${id} cancelled`));
  assert.match(await ok('zkjobc', ['status', ...conn(), id]), /cancelled/);
});

test('Ctrl-C with --cancel-on-interrupt on submit --wait of a job still pending cancels it before it starts (143)', async () => {
  await ok('zkjobq', ['pause', ...conn(), 'default']);
  try {
    const c = client(['submit', ...conn(), '--wait', '--output', '--cancel-on-interrupt', '--', 'echo', 'never']);
    await waitFor('the job id', () => jobIdIn(c.seen.stdout) !== undefined, 30_000, 50);
    const id = jobIdIn(c.seen.stdout)!;
    c.child.kill('SIGINT');
    const { code } = await c.closed;
    assert.equal(code, 143, c.seen.stderr);
    assert.equal(c.seen.stdout, `${id}\n`, 'no output: it never ran');
    assert.match(c.seen.stderr, new RegExp(`interrupted: cancelling ${id}; Ctrl-C again stops waiting\n`));
    assert.match(await ok('zkjobc', ['status', ...conn(), id]), /cancelled/);
  } finally {
    await ok('zkjobq', ['resume', ...conn(), 'default']);
  }
});

test('run whose reader goes away (| head) stops like a program killed by SIGPIPE: 141, one line, the job not cancelled', async () => {
  const g = gate();
  const c = client(['run', ...conn(), '--', 'sh', '-c', `seq 1 1000; while [ ! -e ${g.path} ]; do sleep 0.05; done; seq 1 100000`]);
  await waitFor('the first lines', () => c.seen.stdout.length > 0, 30_000, 50);
  const id = await runningJob();
  c.child.stdout.destroy();
  g.open();
  const { code } = await c.closed;
  assert.equal(code, 141, c.seen.stderr);
  assert.equal(c.seen.stderr, `zkjobc: nobody reads the output any more: stopped waiting for ${id} (not cancelled)\n`);
  assert.equal((await run('zkjobc', ['wait', ...conn(), id])).code, 0, 'the job ran to its end');
});

test('output beyond the node\'s spool cap: the start from the spool, its note, then the end from the result\'s tail', async () => {
  const capped = await startDaemon({ zk: zk.connectString, root, nodeId: 'capped', slots: 1, queues: ['capped'], args: ['--spool-max', '100K'] });
  try {
    const all = Array.from({ length: 100000 }, (_, i) => `${i + 1}\n`).join('');
    const r = await run('zkjobc', ['run', ...conn(), '-q', 'capped', '--', 'seq', '1', '100000']);
    assert.equal(r.code, 0, r.stderr);
    const id = /capped\/\d{10}/.exec(r.stderr)?.[0];
    assert.equal(r.stderr, `zkjobc: the node kept only the start of the stdout of ${id}; the last 64 KiB kept with the result follow\n`);
    assert.equal(r.stdout, `${all.slice(0, 100 * 1024)}\n[zkjobs: output truncated at ${100 * 1024} bytes]\n${all.slice(-64 * 1024)}`);
  } finally {
    await capped.stop();
  }
});
