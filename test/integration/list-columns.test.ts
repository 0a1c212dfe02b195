// zkjobq list answers "what happened": default columns, short local times,
// durations in two units, colour for states only on a terminal (and never
// with NO_COLOR), and --watch redrawing until its reader goes away.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startStandalone, waitFor, type ZkCluster } from '../helpers/zk-server.js';
import { bin, freshRoot, ok, runningOnNode, startDaemon, type DaemonProcess } from '../helpers/cli.js';

let zk: ZkCluster;
let daemon: DaemonProcess;
const root = freshRoot();
const conn = () => ['--zk', zk.connectString, '--root', root];
const ids: Record<string, string> = {};

before(async () => {
  zk = await startStandalone();
  daemon = await startDaemon({ zk: zk.connectString, root, nodeId: 'cols', slots: 1, queues: ['cols'] });
  ids.good = (await ok('zkjobc', ['submit', ...conn(), '-q', 'cols', '--name', 'build', '--wait', '--', 'true'])).trim();
  const bad = await import('../helpers/cli.js').then((m) => m.run('zkjobc', ['submit', ...conn(), '-q', 'cols', '--name', 'tests', '--wait', '--', 'sh', '-c', 'exit 3']));
  ids.bad = bad.stdout.trim();
  ids.running = (await ok('zkjobc', ['submit', ...conn(), '-q', 'cols', '--name', 'train', '--', 'sleep', '60'])).trim();
  await waitFor('the long job to run', async () => JSON.parse(await ok('zkjobc', ['status', ...conn(), '--json', ids.running])).state === 'running', 20_000);
  // Free slots are counted from the node's record, written up to a second after the job starts: wait for it too.
  await waitFor('the node record to list the long job', async () => (await runningOnNode(conn(), 'cols')).length === 1, 20_000);
  // With its one slot busy the node claims one job ahead; the next waits for a slot.
  ids.ahead = (await ok('zkjobc', ['submit', ...conn(), '-q', 'cols', '--name', 'lint', '--', 'true'])).trim();
  await waitFor('the next job to be claimed ahead', async () => /claimed ahead/.test(JSON.parse(await ok('zkjobc', ['status', ...conn(), '--json', ids.ahead])).reason ?? ''), 20_000);
  ids.pending = (await ok('zkjobc', ['submit', ...conn(), '-q', 'cols', '--name', 'report', '--', 'true'])).trim();
});
after(async () => {
  await ok('zkjobc', ['cancel', ...conn(), ids.running, ids.ahead, ids.pending]).catch(() => undefined);
  await daemon?.stop();
  await zk?.stop();
});

test('the default columns say what happened to each job', async () => {
  const lines = (await ok('zkjobq', ['list', ...conn(), 'cols'])).trimEnd().split('\n');
  assert.match(lines[0], /^JOB\s+NAME\s+STATE\s+REASON\/EXIT\s+NODE\s+SUBMITTED\s+WAIT\s+ELAPSED$/);
  const row = (id: string) => lines.find((l) => l.startsWith(id))!.split(/\s{2,}/);
  assert.deepEqual(row(ids.good).slice(1, 5), ['build', 'succeeded', 'exit 0', 'cols']);
  assert.deepEqual(row(ids.bad).slice(1, 5), ['tests', 'failed', 'exit 3', 'cols']);
  assert.match(row(ids.good)[5], /^\d\d:\d\d:\d\d$/, 'submitted today: local time of day');
  assert.match(row(ids.running).join('  '), /train  running  cols  \d\d:\d\d:\d\d  \d+s  \d+s$/);
  assert.match(row(ids.ahead).join('  '), /lint  pending  claimed ahead by cols; starts when a slot frees there  cols  \d\d:\d\d:\d\d  \d+s$/);
  assert.match(row(ids.pending).join('  '), /report  pending  waiting for a free slot  \d\d:\d\d:\d\d  \d+s$/);
  assert.ok(!lines.join('\n').includes('\x1b['), 'no colour through a pipe');
  const json = (await ok('zkjobq', ['list', ...conn(), 'cols', '--json'])).trim().split('\n').map((l) => JSON.parse(l));
  assert.match(json[0].createdAt ?? json[0].result.finishedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/, 'ISO times in --json');
});

/** zkjobq list on a pseudo-terminal (script(1)), with extra environment. */
function onTerminal(env: Record<string, string>): Promise<string> {
  const command = [bin('zkjobq'), 'list', ...conn(), 'cols'].map((a) => `'${a}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { env: { ...process.env, TERM: 'xterm', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`zkjobq list on a terminal exited ${code}: ${output}`))));
  });
}

test('states are coloured on a terminal, unless NO_COLOR is set', async () => {
  const NO = { NO_COLOR: '' };
  const coloured = await onTerminal(NO);
  assert.match(coloured, /\x1b\[32msucceeded\s*\x1b\[0m/);
  assert.match(coloured, /\x1b\[31mfailed\s*\x1b\[0m/);
  const plain = await onTerminal({ NO_COLOR: '1' });
  assert.ok(plain.includes('succeeded') && !plain.includes('\x1b[3'), `no colour with NO_COLOR:\n${JSON.stringify(plain)}`);
});

test('--watch redraws until its reader goes away, then exits 0', async () => {
  const child = spawn(bin('zkjobq'), ['list', ...conn(), '--watch', '0.5', 'cols'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve) => child.stdout.on('data', (c) => {
    output += c;
    if ((output.match(/^Every 0\.5s: zkjobq list/gm) ?? []).length >= 2) resolve();
  }));
  assert.match(output, /JOB\s+NAME\s+STATE/);
  child.stdout.destroy();
  const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 15_000))]);
  if (code === 'still running') child.kill('SIGKILL');
  assert.equal(code, 0, `exit once stdout is closed; stderr: ${stderr}`);
});

test('--watch ends on Ctrl-C with exit 0', async () => {
  const child = spawn(bin('zkjobq'), ['list', ...conn(), 'cols', '--watch'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.kill('SIGINT');
  const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 15_000))]);
  if (code === 'still running') child.kill('SIGKILL');
  assert.equal(code, 0);
});
