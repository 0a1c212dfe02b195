// History like sacct: every attempt of a job with its node, start, end, how
// it ended and why it ran again, and who cancelled it, kept with the one
// result and signed with it. Across a daemon SIGKILL: attempt 1 node lost,
// attempt 2 succeeded on a peer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStandalone, waitFor, type ZkCluster } from '../helpers/zk-server.js';
import { FIXTURES, freshRoot, ok, run, startDaemon, type DaemonProcess } from '../helpers/cli.js';
import { readRunEvents } from '../helpers/run-records.js';

let zk: ZkCluster;
const daemons: DaemonProcess[] = [];
const root = freshRoot();
const scratch = mkdtempSync(path.join(os.tmpdir(), 'zkjobs-history-'));
const trustFile = path.join(scratch, 'authorized_daemons');
// Every client call believes only results signed by these daemons' node keys.
const trusting = { env: { ZKJOBS_AUTHORIZED_DAEMONS: trustFile } };
const conn = () => ['--zk', zk.connectString, '--root', root];
const keyOf = (node: string) => path.join(scratch, node, 'node_ed25519');
const status = async (id: string) => JSON.parse(await ok('zkjobc', ['status', ...conn(), '--json', id], trusting));

async function daemon(nodeId: string, queues: string[]): Promise<DaemonProcess> {
  const d = await startDaemon({ zk: zk.connectString, root, nodeId, slots: 1, queues, env: { ZKJOBS_NODE_KEY: keyOf(nodeId) } });
  daemons.push(d);
  return d;
}

before(async () => {
  zk = await startStandalone();
  await daemon('first', ['hist']);
  await daemon('retrier', ['retries', 'cancels']);
  await daemon('second', []); // makes its key now; serves nothing yet
  writeFileSync(trustFile, ['first', 'retrier', 'second'].map((n) => readFileSync(`${keyOf(n)}.pub`, 'utf8')).join(''));
  await daemons.pop()!.stop();
});
after(async () => {
  for (const d of daemons) await d.stop();
  await zk?.stop();
});

test('across a daemon SIGKILL: attempt 1 node lost, attempt 2 succeeded, signed result', async () => {
  const record = path.join(scratch, 'runs');
  const id = (await ok('zkjobc', ['submit', ...conn(), '-q', 'hist', '--', path.join(FIXTURES, 'record-run.sh'), record, '6'])).trim();
  await waitFor('the job to start on first', () => readRunEvents(record).some((e) => e.kind === 'start' && e.node === 'first'));
  const first = daemons.find((d) => d.options.nodeId === 'first')!;
  first.signal('SIGKILL');
  await first.exited;
  await daemon('second', ['hist']);
  const waited = await run('zkjobc', ['wait', ...conn(), id], { timeoutMs: 90_000, ...trusting });
  assert.equal(waited.code, 0, waited.stderr);

  const s = await status(id);
  assert.equal(s.state, 'succeeded', 'the result, history included, verifies against the node keys');
  const history = s.result.history.map((r: Record<string, unknown>) => [r.attempt, r.node, r.ended, r.rerun ?? null]);
  assert.deepEqual(history, [[1, 'first', 'node lost', 'node lost'], [2, 'second', 'succeeded', null]]);
  assert.ok(Date.parse(s.result.history[0].startedAt) < Date.parse(s.result.history[1].startedAt));
  const shown = await ok('zkjobq', ['show', ...conn(), id], trusting);
  assert.match(shown, /^History:\n\s+ATTEMPT\s+NODE\s+START-END\s+ENDED\s+THEN\n\s+#1\s+first\s+\d\d:\d\d:\d\d-\?\s+node lost\s+re-run: node lost\n\s+#2\s+second\s+\d\d:\d\d:\d\d-\d\d:\d\d:\d\d\s+succeeded$/m);
  assert.match(shown, /^Started: +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}$/m, 'local times in show');
});

test('a job retried after failures keeps each attempt with its exit and "retry"', async () => {
  const id = (await ok('zkjobc', ['submit', ...conn(), '-q', 'retries', '--retries', '2', '--retry-delay', '200ms', '--', 'sh', '-c', 'exit 3'])).trim();
  const waited = await run('zkjobc', ['wait', ...conn(), id], { timeoutMs: 60_000, ...trusting });
  assert.equal(waited.code, 3);
  const s = await status(id);
  assert.equal(s.state, 'failed');
  const history = s.result.history.map((r: Record<string, unknown>) => [r.attempt, r.node, r.exitCode, r.ended, r.rerun ?? null]);
  assert.deepEqual(history, [[1, 'retrier', 3, 'exit 3', 'retry'], [2, 'retrier', 3, 'exit 3', 'retry'], [3, 'retrier', 3, 'exit 3', null]]);
  const json = JSON.parse(await ok('zkjobq', ['show', ...conn(), '--json', id], trusting));
  assert.equal(json.history.length, 3, 'zkjobq show --json has the history');
});

test('who cancelled a job is kept with its result, running or pending', async () => {
  const auth = { env: { ...trusting.env, ZKJOBS_ZK_AUTH: 'operator-alice:secret' } };
  const running = (await ok('zkjobc', ['submit', ...conn(), '-q', 'cancels', '--', 'sleep', '60'])).trim();
  await waitFor('the job to run', async () => (await status(running)).state === 'running', 20_000);
  const pending = (await ok('zkjobc', ['submit', ...conn(), '-q', 'cancels', '--', 'true'])).trim();
  await ok('zkjobc', ['cancel', ...conn(), pending, running], auth);
  const me = `${os.userInfo().username}@${os.hostname()}`;
  for (const id of [running, pending]) {
    const s = await status(id);
    assert.equal(s.state, 'cancelled');
    assert.equal(s.result.cancelledBy.by, me);
    assert.equal(s.result.cancelledBy.zkUser, 'operator-alice');
    assert.match(await ok('zkjobq', ['show', ...conn(), id], trusting), new RegExp(`^Cancelled: +${me} \\(ZooKeeper user operator-alice\\) at \\d{4}-`, 'm'));
  }
});
