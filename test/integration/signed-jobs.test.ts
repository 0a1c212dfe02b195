// Jobs run as their submitter, proven by an Ed25519 signature that every
// daemon checks against its local authorized_submitters file (issue 11): a
// spec written into ZooKeeper without a listed key's signature, altered after
// signing, or copied into another job number never runs. Real accounts, real
// keys made by `zkjobc keygen`, a real root daemon.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DaemonProcess, freshRoot, ok, run, startDaemon } from '../helpers/cli.js';
import { connectTo } from '../helpers/zk.js';
import { createUser, isRoot, removeUser, type TestUser } from '../helpers/users.js';
import { startStandalone, type ZkCluster } from '../helpers/zk-server.js';
import { reserveSequences } from '../../src/submit.js';
import { formatJobId, parseJobId } from '../../src/job-id.js';

let zk: ZkCluster | undefined;
const daemons: DaemonProcess[] = [];
const root = freshRoot();
const scratch = mkdtempSync(path.join(os.tmpdir(), 'zkjobs-signed-'));
const skip = !isRoot && 'needs root to switch users';
let alice: TestUser | undefined;
const aliceKey = path.join(scratch, 'alice', 'id_ed25519');
const strangerKey = path.join(scratch, 'stranger', 'id_ed25519');
// No key of the test runner's own may sign by accident.
const noDefaultKey = { XDG_CONFIG_HOME: path.join(scratch, 'nokeys'), ZKJOBS_KEY: '' };
const conn = () => ['--zk', zk!.connectString, '--root', root];

before(async () => {
  zk = await startStandalone();
  if (!isRoot) return;
  alice = createUser('zkjsa');
  const aliceLine = (await ok('zkjobc', ['keygen', '--key', aliceKey])).trim();
  await ok('zkjobc', ['keygen', '--key', strangerKey]);
  const authorized = path.join(scratch, 'authorized_submitters');
  writeFileSync(authorized, `# test submitters\n${alice.name} ${aliceLine}\n`);
  daemons.push(await startDaemon({ zk: zk.connectString, root, nodeId: 'signed', queues: ['signed'], runAs: null, args: ['--authorized-submitters', authorized] }));
});
after(async () => {
  await Promise.all(daemons.map((d) => d.stop()));
  await zk?.stop();
  removeUser(alice);
});

async function submit(key: string | null, args: string[]): Promise<string> {
  const keyArgs = key ? ['--key', key] : [];
  return (await ok('zkjobc', ['submit', ...conn(), '-q', 'signed', ...keyArgs, '--', ...args], { env: noDefaultKey })).trim();
}

async function finalStatus(id: string): Promise<{ state: string; result: { exitCode: number | null; reason: string | null; stdoutTail: string } }> {
  await run('zkjobc', ['wait', ...conn(), id], { timeoutMs: 60_000 });
  return JSON.parse(await ok('zkjobc', ['status', ...conn(), '--json', id]));
}

test('keygen makes a private key only its owner can read', { skip }, () => {
  assert.equal(readFileSync(`${aliceKey}.pub`, 'utf8').split(' ')[0], 'zkjobs-ed25519');
  assert.match(readFileSync(aliceKey, 'utf8'), /BEGIN PRIVATE KEY/);
  assert.equal((statSync(aliceKey).mode & 0o777).toString(8), '600');
});

test('a job signed by an authorized key runs as the account the key maps to', { skip }, async () => {
  const s = await finalStatus(await submit(aliceKey, ['id', '-u']));
  assert.equal(s.state, 'succeeded', s.result.reason ?? '');
  assert.equal(s.result.stdoutTail.trim(), String(alice!.uid));
});

test('an unsigned job, and one signed by an unlisted key, never run', { skip }, async () => {
  const marker = path.join(scratch, 'unsigned-ran');
  for (const key of [null, strangerKey]) {
    const s = await finalStatus(await submit(key, ['touch', marker]));
    assert.equal(s.state, 'failed');
    assert.match(s.result.reason ?? '', /^not signed by an authorized submitter: /);
  }
  assert.equal(existsSync(marker), false, 'a job without an authorized signature ran');
});

test('a signed spec altered in ZooKeeper, or copied into another job number, is refused', { skip }, async () => {
  const marker = path.join(scratch, 'tampered-ran');
  await ok('zkjobq', ['pause', ...conn(), 'signed']);
  const original = parseJobId(await submit(aliceKey, ['true']));
  const { zk: client, paths } = await connectTo(zk!.connectString, root);
  const copy = { queue: 'signed', seq: 0 };
  try {
    const specPath = paths.pendingJob(original.queue, original.seq);
    const signedData = (await client.getOrNull(specPath))!.data;
    // Another submitter of the queue replays alice's signed spec, untouched, as a job of its own…
    copy.seq = await reserveSequences(client, paths, 'signed', 1);
    await client.create(paths.pendingJob(copy.queue, copy.seq), signedData);
    // …and rewrites the command of alice's pending job.
    await client.set(specPath, Buffer.from(JSON.stringify({ ...JSON.parse(signedData.toString()), argv: ['touch', marker] })));
    await ok('zkjobq', ['resume', ...conn(), 'signed']);
    for (const id of [formatJobId(original), formatJobId(copy)]) {
      const s = await finalStatus(id);
      assert.equal(s.state, 'failed', `${id} ran`);
      assert.match(s.result.reason ?? '', /signature does not match this job/);
    }
  } finally {
    await ok('zkjobq', ['resume', ...conn(), 'signed']);
    await client.close();
  }
  assert.equal(existsSync(marker), false, 'an altered or replayed spec ran');
});

test('a requeued signed job is signed again by whoever requeues it: their key, or it does not run', { skip }, async () => {
  const first = await submit(aliceKey, ['sh', '-c', 'echo once']);
  assert.equal((await finalStatus(first)).state, 'succeeded');
  // The old signature covers the old job number: copied, it would be refused as a replay.
  const unsigned = (await ok('zkjobq', ['requeue', ...conn(), first], { env: noDefaultKey })).trim();
  const refused = await finalStatus(unsigned);
  assert.equal(refused.state, 'failed');
  assert.match(refused.result.reason ?? '', /not signed/);
  const again = (await ok('zkjobq', ['requeue', ...conn(), '--key', aliceKey, first], { env: noDefaultKey })).trim();
  const ran = await finalStatus(again);
  assert.equal(ran.state, 'succeeded', JSON.stringify(ran));
  assert.equal(ran.result.stdoutTail, 'once\n');
});
