// Submit → run → result through the real programs and a real ZooKeeper.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStandalone, type ZkCluster } from '../helpers/zk-server.js';
import { freshRoot, ok, run, startDaemon, type DaemonProcess } from '../helpers/cli.js';

let zk: ZkCluster;
let daemon: DaemonProcess;
const root = freshRoot();
const conn = () => ['--zk', zk.connectString, '--root', root];

before(async () => {
  zk = await startStandalone();
  daemon = await startDaemon({ zk: zk.connectString, root, nodeId: 'n1', slots: 2 });
});
after(async () => {
  await daemon?.stop();
  await zk?.stop();
});

test('submit prints the job id alone and the job runs to a recorded result', async () => {
  const id = (await ok('zkjobc', ['submit', ...conn(), '--', 'echo', 'hello world'])).trim();
  assert.match(id, /^default\/\d{10}$/);
  assert.equal((await ok('zkjobc', ['wait', ...conn(), id])), '');
  const [status] = (await ok('zkjobc', ['status', ...conn(), '--json', id])).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(status.state, 'succeeded');
  assert.equal(status.result.exitCode, 0);
  assert.equal(status.result.node, 'n1');
  assert.equal(status.result.stdoutTail, 'hello world\n');
  assert.ok(Date.parse(status.result.startedAt) <= Date.parse(status.result.finishedAt));
});

test('--wait exits with the job exit code', async () => {
  const success = await run('zkjobc', ['submit', ...conn(), '--wait', '--', 'true']);
  assert.equal(success.code, 0);
  const three = await run('zkjobc', ['submit', ...conn(), '--wait', '--', 'sh', '-c', 'echo oops >&2; exit 3']);
  assert.equal(three.code, 3);
  assert.match(three.stdout, /^default\/\d{10}\n$/);
  const id = three.stdout.trim();
  const status = await ok('zkjobc', ['status', ...conn(), id]);
  assert.equal(status.trim(), `${id} failed exit 3 on n1`);
  const [json] = (await ok('zkjobc', ['status', ...conn(), '--json', id])).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(json.result.stderrTail, 'oops\n');
});

test('--wait exits 128+N when the job is killed by signal N', async () => {
  const killed = await run('zkjobc', ['submit', ...conn(), '--wait', '--', 'sh', '-c', 'kill -KILL $$']);
  assert.equal(killed.code, 128 + 9);
  const termed = await run('zkjobc', ['submit', ...conn(), '--wait', '--', 'sh', '-c', 'kill -TERM $$']);
  assert.equal(termed.code, 128 + 15);
});

test('a command that does not exist fails with 127 and a reason', async () => {
  const r = await run('zkjobc', ['submit', ...conn(), '--wait', '--', '/nonexistent/program']);
  assert.equal(r.code, 127);
  const status = await ok('zkjobc', ['status', ...conn(), r.stdout.trim()]);
  assert.match(status, /failed exit 127 on n1 \(cannot start command: \/nonexistent\/program not found \(ENOENT\)\)/);
});

test('a working directory that does not exist is named as the reason, not the command', async () => {
  const r = await run('zkjobc', ['submit', ...conn(), '--wait', '--cwd', '/nonexistent-dir', '--', 'true']);
  assert.notEqual(r.code, 0);
  const status = await ok('zkjobc', ['status', ...conn(), r.stdout.trim()]);
  assert.match(status, /failed exit \d+ on n1 \(working directory \/nonexistent-dir does not exist\)/);
});

test('arguments reach the program verbatim, with no shell in between', async () => {
  const tricky = ['$HOME', '*', 'a b', "'q'", '; rm -rf /', ''];
  const r = await run('zkjobc', ['submit', ...conn(), '--wait', '--', 'node', '-e', 'console.log(JSON.stringify(process.argv.slice(1)))', ...tricky]);
  assert.equal(r.code, 0);
  const [json] = (await ok('zkjobc', ['status', ...conn(), '--json', r.stdout.trim()])).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(JSON.parse(json.result.stdoutTail), tricky);
});

test('zkjobq list shows every job with its state, and purge removes finished ones', async () => {
  const listed = await ok('zkjobq', ['list', ...conn(), '--json']);
  const rows = listed.trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(rows.length >= 7, `expected the earlier jobs, got ${rows.length}`);
  assert.ok(rows.every((r) => ['succeeded', 'failed'].includes(r.state)));
  const table = await ok('zkjobq', ['list', ...conn()]);
  assert.match(table.split('\n')[0], /^JOB\s+NAME\s+STATE\s+REASON\/EXIT\s+NODE\s+SUBMITTED\s+WAIT\s+ELAPSED$/);
  const purged = await ok('zkjobq', ['purge', ...conn(), 'default']);
  assert.match(purged, new RegExp(`^purged ${rows.length} jobs from default`));
  assert.equal((await ok('zkjobq', ['list', ...conn(), '--json'])).trim(), '');
});

test('zkjobq nodes shows the live daemon', async () => {
  const nodes = (await ok('zkjobq', ['nodes', ...conn(), '--json'])).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(nodes.length, 1);
  assert.equal(nodes[0].id, 'n1');
  assert.equal(nodes[0].record.slots, 2);
  assert.deepEqual(nodes[0].record.queues, ['default']);
  const table = (await ok('zkjobq', ['nodes', ...conn()])).trim().split('\n');
  assert.match(table[0], /^NODE\s+STATE\s+HOST\s+SLOTS\s+RUNNING\s+CPUS\s+LOAD\s+MEM\(FREE\/TOTAL\)\s+DISK\(FREE\/TOTAL\)\s+GPUS\s+QUEUES\s+VERSION\s+UPTIME\s+TAGS$/);
  assert.match(table[1], /^n1\s+up\s+\S+\s+2\s+\d+\s+\d+\s+[\d.]+ [\d.]+ [\d.]+\s+\d+\.\d\/\d+\.\dG\s+\d+\/\d+G\s+(-|\d+\S*)\s+default\s+\d+\.\d+\.\d+\s+\d+[smhd]\s+\S*os=linux\S*$/);
});
