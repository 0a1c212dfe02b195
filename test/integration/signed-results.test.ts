// Results cannot be forged (issue 11): every daemon signs the results it
// publishes with its node key, and clients that hold an authorized_daemons
// file believe only results signed by a listed node's key. A result planted
// in ZooKeeper by anyone else — here "succeeded, exit 0" for a job that never
// ran — is shown as `forged?`, and `zkjobc wait` does not exit 0 for it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { DaemonProcess, freshRoot, ok, run, startDaemon } from '../helpers/cli.js';
import { connectTo } from '../helpers/zk.js';
import { startStandalone, type ZkCluster } from '../helpers/zk-server.js';
import { createResult } from '../../src/complete.js';
import { makeResult, parseResult } from '../../src/result.js';
import { parseJobId } from '../../src/job-id.js';
import { resultSigner } from '../../src/node-key.js';

let zk: ZkCluster | undefined;
const daemons: DaemonProcess[] = [];
const root = freshRoot();
const scratch = mkdtempSync(path.join(os.tmpdir(), 'zkjobs-signed-results-'));
const nodeKey = path.join(scratch, 'node', 'node_ed25519');
const trustFile = path.join(scratch, 'authorized_daemons');
const trusting = { ZKJOBS_AUTHORIZED_DAEMONS: trustFile };
const conn = () => ['--zk', zk!.connectString, '--root', root];

before(async () => {
  zk = await startStandalone();
  daemons.push(await startDaemon({ zk: zk.connectString, root, nodeId: 'honest', queues: ['served'], env: { ZKJOBS_NODE_KEY: nodeKey } }));
  await ok('zkjobq', ['create', ...conn(), 'parked']);
  writeFileSync(trustFile, `# the fleet's daemons\n${readFileSync(`${nodeKey}.pub`, 'utf8')}`);
});
after(async () => {
  await Promise.all(daemons.map((d) => d.stop()));
  await zk?.stop();
});

/** A job on a queue no daemon serves: it stays pending, so any result it gets was planted. */
async function parkedJob(): Promise<string> {
  return (await ok('zkjobc', ['submit', ...conn(), '-q', 'parked', '--', 'true'])).trim();
}

/** Write a result for `job` straight into ZooKeeper, as anyone with write access to the queue could. */
async function plant(job: string, sign?: (r: ReturnType<typeof makeResult>) => ReturnType<typeof makeResult>): Promise<void> {
  const { zk: client, paths } = await connectTo(zk!.connectString, root);
  try {
    const forged = makeResult({ state: 'succeeded', exitCode: 0, reason: null, node: 'honest', attempt: 1, spec: null, stdoutTail: 'all good\n' });
    assert.equal(await createResult(client, paths, parseJobId(job), sign ? sign(forged) : forged), true);
  } finally {
    client.close();
  }
}

async function statusOf(job: string): Promise<{ state: string; unverified: string | null }> {
  return JSON.parse(await ok('zkjobc', ['status', ...conn(), '--json', job], { env: trusting }));
}

test('the node key is made at first start, readable by the daemon only', () => {
  assert.equal((statSync(nodeKey).mode & 0o777).toString(8), '600');
  assert.match(readFileSync(`${nodeKey}.pub`, 'utf8'), /^honest zkjobs-ed25519 \S{44} /);
});

test('a genuine result verifies: submit --wait exits 0 and status says succeeded', async () => {
  const r = await run('zkjobc', ['submit', ...conn(), '-q', 'served', '--wait', '--', 'true'], { env: trusting, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  const job = r.stdout.trim();
  const status = await statusOf(job);
  assert.equal(status.state, 'succeeded');
  assert.equal(status.unverified, null);
  assert.match(await ok('zkjobq', ['list', ...conn(), 'served'], { env: trusting }), new RegExp(`${job} +succeeded`));
});

test('an unsigned result planted for a pending job is forged?, and wait exits 77, not 0', async () => {
  const job = await parkedJob();
  await plant(job);
  const status = await statusOf(job);
  assert.equal(status.state, 'forged?');
  assert.match(status.unverified ?? '', /not signed by a daemon/);
  assert.match(await ok('zkjobc', ['status', ...conn(), job], { env: trusting }), /forged\? .*claims succeeded/);
  assert.match(await ok('zkjobq', ['list', ...conn(), 'parked'], { env: trusting }), new RegExp(`${job} +forged\\?`));
  const w = await run('zkjobc', ['wait', ...conn(), job], { env: trusting, timeoutMs: 30_000 });
  assert.equal(w.code, 77, w.stderr);
  assert.match(w.stderr, /result not believed/);
});

test('a result signed by a key not in authorized_daemons, or copied from another job, is forged?', async () => {
  const stranger = resultSigner(generateKeyPairSync('ed25519').privateKey);
  const strangers = await parkedJob();
  await plant(strangers, (r) => stranger(parseJobId(strangers), r));
  assert.match((await statusOf(strangers)).unverified ?? '', /not in/);
  assert.notEqual((await run('zkjobc', ['wait', ...conn(), strangers], { env: trusting })).code, 0);

  // The honest node's genuine result, replayed into a pending job's place.
  const genuine = (await ok('zkjobc', ['submit', ...conn(), '-q', 'served', '--', 'true'])).trim();
  assert.equal((await run('zkjobc', ['wait', ...conn(), genuine], { env: trusting, timeoutMs: 60_000 })).code, 0);
  const replayed = await parkedJob();
  const { zk: client, paths } = await connectTo(zk!.connectString, root);
  try {
    const id = parseJobId(genuine);
    const real = parseResult((await client.getOrNull(paths.result(id.queue, id.seq)))!.data);
    assert.ok(real.signature, 'the daemon signed its result');
    assert.equal(await createResult(client, paths, parseJobId(replayed), real), true);
  } finally {
    client.close();
  }
  assert.match((await statusOf(replayed)).unverified ?? '', /does not match this result/);
  assert.equal((await run('zkjobc', ['wait', ...conn(), replayed], { env: trusting })).code, 77);
});

test('without a trust file, results are shown as they say (nothing to check them against)', async () => {
  const job = await parkedJob();
  await plant(job);
  const status = JSON.parse(await ok('zkjobc', ['status', ...conn(), '--json', job], { env: { ZKJOBS_AUTHORIZED_DAEMONS: 'none' } }));
  assert.equal(status.state, 'succeeded');
});
