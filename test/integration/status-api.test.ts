// The status page's server against real daemons: the JSON API, server-sent
// events following jobs without polling, a job's view and output, the cost
// of a refresh not growing with the queue, a taken port, tokens, and
// `zkjobq serve`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { standaloneFixture } from '../helpers/fixture.js';
import { freshRoot, ok, run, startDaemon } from '../helpers/cli.js';
import { getJson, ServeProcess, statusUrl, STATUS_ON_FREE_PORT, waitForEvent } from '../helpers/status.js';
import type { ClusterSnapshot } from '../../src/status/snapshot.js';

const fixture = standaloneFixture();
const root = freshRoot();
const conn = () => ['--zk', fixture.zk().connectString, '--root', root];

test('the API and its events follow jobs from pending to finished', async () => {
  const daemon = await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'api', args: STATUS_ON_FREE_PORT });
  fixture.daemons.push(daemon);
  const url = await statusUrl(daemon);
  const first = await getJson<ClusterSnapshot>(`${url}api/cluster`);
  assert.deepEqual(first.nodes.map((n) => [n.id, n.live, n.record?.slots]), [['api', true, 2]]);
  assert.deepEqual(first.queues.map((q) => q.queue), ['default']);

  await ok('zkjobq', ['pause', ...conn(), 'default']);
  const ids = [];
  for (const argv of [['sh', '-c', 'echo out-$ZKJOBS_JOB_ID'], ['sh', '-c', 'echo oops >&2; exit 3']]) ids.push((await ok('zkjobc', ['submit', ...conn(), '--', ...argv])).trim());
  const pending = await waitForEvent<ClusterSnapshot>(`${url}api/events`, (s) => s.queues[0]?.pending === 2);
  assert.deepEqual(pending.queues[0].head.map((j) => j.id), ids);
  assert.equal(pending.queues[0].paused, true);
  assert.ok(pending.queues[0].oldestPendingAge !== null);

  await ok('zkjobq', ['resume', ...conn(), 'default']);
  const done = await waitForEvent<ClusterSnapshot>(`${url}api/events`, (s) => s.recent.length === 2);
  assert.deepEqual(done.recent.map((j) => [j.id, j.state]).sort(), [[ids[0], 'succeeded'], [ids[1], 'failed']]);
  assert.deepEqual(done.failures.map((f) => [f.id, f.exitCode, f.stderrTail]), [[ids[1], 3, 'oops\n']]);
  assert.equal(done.queues[0].finished, 2);

  const job = await getJson<{ state: string; command: string; node: string }>(`${url}api/jobs/${ids[0]}`);
  assert.deepEqual([job.state, job.node], ['succeeded', 'api']);
  assert.equal(await (await fetch(`${url}api/jobs/${ids[0]}/stdout`)).text(), `out-${ids[0]}\n`);
  assert.equal((await fetch(`${url}api/jobs/default/0000099999`)).status, 404);
  assert.equal((await fetch(`${url}api/jobs/..%2Fx/1`)).status, 404);
  assert.equal((await fetch(`${url}api/cluster`, { method: 'POST' })).status, 405);
  const page = await fetch(url);
  assert.match(await page.text(), /<title>zkjobs/);
});

test('a refresh costs the same with 20 or 400 pending jobs', async () => {
  // A root of its own: another queue's emptied bucket, removed by ZooKeeper meanwhile, would change the count.
  const own = freshRoot();
  const ownConn = ['--zk', fixture.zk().connectString, '--root', own];
  const daemon = await startDaemon({ zk: fixture.zk().connectString, root: own, nodeId: 'cost', queues: ['deep'], args: STATUS_ON_FREE_PORT });
  fixture.daemons.push(daemon);
  const url = await statusUrl(daemon);
  await ok('zkjobq', ['pause', ...ownConn, 'deep']);
  const warmCost = async (pending: number) => {
    const input = '["true"]\n'.repeat(pending);
    await ok('zkjobc', ['submit', ...ownConn, '-q', 'deep', '--batch', '-'], { input });
    // The first refresh reads the new head specs once; the next ones only counts.
    await waitForEvent<ClusterSnapshot>(`${url}api/events`, (s) => s.queues.find((q) => q.queue === 'deep')?.pending !== undefined);
    const snapshots: ClusterSnapshot[] = [];
    await waitForEvent<ClusterSnapshot>(`${url}api/events`, (s) => snapshots.push(s) >= 3);
    return snapshots[2].cost.reads;
  };
  const small = await warmCost(20);
  const large = await warmCost(380);
  assert.equal(large, small, `reads per refresh: ${small} at 20 pending, ${large} at 400`);
});

test('a daemon that finds the status port taken says so once and runs', async () => {
  const first = await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'port-a', args: STATUS_ON_FREE_PORT });
  fixture.daemons.push(first);
  const port = new URL(await statusUrl(first)).port;
  const second = await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'port-b', args: ['--status-bind', `127.0.0.1:${port}`] });
  fixture.daemons.push(second);
  assert.equal(second.log.match(/status page not served/g)?.length, 1, second.log);
  assert.match(second.log, /EADDRINUSE/);
  const id = (await ok('zkjobc', ['submit', ...conn(), '--wait', '--', 'true'])).trim();
  assert.match(id, /^default\/\d+$/);
});

test('a status bind beyond loopback needs a token; with one, requests must carry it', async () => {
  const r = await run('zkjobd', [...conn(), '--status-bind', '0.0.0.0:0', '--node-id', 'open']);
  assert.equal(r.code, 78);
  assert.match(r.stderr, /^zkjobd: --status-bind 0\.0\.0\.0:0 is reachable from other hosts: give a token file/);
  assert.equal((await run('zkjobq', ['serve', ...conn(), '--bind', '0.0.0.0:0'])).code, 78);
  const tokenFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'zkjobs-status-token-')), 'token');
  writeFileSync(tokenFile, 's3cret\n');
  const serve = new ServeProcess([...conn(), '--token-file', tokenFile]);
  try {
    const url = await serve.url();
    assert.equal((await fetch(`${url}api/cluster`)).status, 401);
    assert.equal((await fetch(`${url}metrics`, { headers: { authorization: 'Bearer wrong!' } })).status, 401);
    const snapshot = await getJson<ClusterSnapshot>(`${url}api/cluster`, { authorization: 'Bearer s3cret' });
    assert.ok(snapshot.queues.some((q) => q.queue === 'default'));
    // A browser opens ?token= once: the token moves into a cookie and out of the address.
    const opened = await fetch(`${url}?token=s3cret`, { redirect: 'manual' });
    assert.equal(opened.status, 303);
    assert.equal(opened.headers.get('location'), '/');
    const cookie = opened.headers.get('set-cookie')!.split(';')[0];
    assert.equal((await fetch(`${url}api/nodes`, { headers: { cookie } })).status, 200);
  } finally {
    await serve.stop();
  }
});
