// Access control against a real ZooKeeper: a queue restricted to digest
// identities lets its submitters submit and its admins administer; anyone
// else gets "not authorized" (exit 77) and nothing changes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStandalone, waitFor, type ZkCluster } from '../helpers/zk-server.js';
import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIXTURES, freshRoot, ok, run, startDaemon, type DaemonProcess } from '../helpers/cli.js';
import { readRunEvents, startsPerJob } from '../helpers/run-records.js';
import { digestId } from '../../src/acl.js';
import { PERM, ZkClient } from '../../src/zk/client.js';
import { Paths } from '../../src/zk/paths.js';
import { NoAuthError } from '../../src/zk/errors.js';

let zk: ZkCluster;
let daemon: DaemonProcess;
const root = freshRoot();
const conn = () => ['--zk', zk.connectString, '--root', root];
const as = (who: string) => ({ env: { ZKJOBS_ZK_AUTH: `${who}:pw-${who}` } });
const id = (who: string) => digestId(`${who}:pw-${who}`);

before(async () => {
  zk = await startStandalone();
  const created = await ok('zkjobq', ['create', ...conn(), 'secure', '--submitters', id('alice'), '--admins', id('root'), '--daemons', id('worker')], as('root'));
  assert.equal(created, 'secure: created (restricted)\n');
  daemon = await startDaemon({ zk: zk.connectString, root, nodeId: 'worker', slots: 1, queues: ['secure'], env: as('worker').env });
});
after(async () => {
  await daemon?.stop();
  await zk?.stop();
});

test('restricted identities need a digest id, not a password', async () => {
  const r = await run('zkjobq', ['create', ...conn(), 'other', '--admins', 'root:plaintext']);
  assert.equal(r.code, 65);
  assert.match(r.stderr, /invalid identity 'root:plaintext'/);
});

test('a submitter submits and the daemon with its identity runs the job', async () => {
  const r = await run('zkjobc', ['submit', ...conn(), '-q', 'secure', '--wait', '--', 'echo', 'allowed'], as('alice'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(await ok('zkjobc', ['status', ...conn(), r.stdout.trim()]), /succeeded exit 0 on worker/);
});

test('others are not authorized (77) and nothing changes', async () => {
  const before = await ok('zkjobq', ['list', ...conn(), 'secure', '--json']);
  const refused: [string, string[], ReturnType<typeof as> | undefined][] = [
    ['zkjobc', ['submit', ...conn(), '-q', 'secure', '--', 'echo', 'intruder'], as('bob')],
    ['zkjobc', ['submit', ...conn(), '-q', 'secure', '--', 'echo', 'anonymous'], undefined],
    ['zkjobq', ['purge', ...conn(), 'secure', '--yes'], as('bob')],
    ['zkjobq', ['purge', ...conn(), 'secure', '--state', 'succeeded', '--yes'], as('alice')],
    ['zkjobq', ['pause', ...conn(), 'secure'], as('alice')],
    ['zkjobq', ['limit', ...conn(), 'secure', '1'], as('alice')],
    ['zkjobq', ['delete', ...conn(), 'secure'], as('bob')],
  ];
  for (const [program, args, who] of refused) {
    const r = await run(program as 'zkjobc', args, who);
    assert.equal(r.code, 77, `${program} ${args[0]} as ${who?.env.ZKJOBS_ZK_AUTH ?? 'nobody'}: ${r.stderr}`);
    assert.match(r.stderr, /not authorized to .*queue secure/, 'names the queue');
    assert.doesNotMatch(r.stderr, /\/queues\//, 'never a znode path');
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
  assert.equal(await ok('zkjobq', ['list', ...conn(), 'secure', '--json']), before, 'nothing changed');
});

test("an admin limits a restricted queue, and its daemon takes run slots under the queue's ACL", async () => {
  assert.match(await ok('zkjobq', ['limit', ...conn(), 'secure', '1'], as('root')), /max running 1 \(was none\)/);
  const r = await run('zkjobc', ['submit', ...conn(), '-q', 'secure', '--wait', '--', 'echo', 'limited'], as('alice'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(await ok('zkjobc', ['status', ...conn(), r.stdout.trim()]), /succeeded exit 0 on worker/);
  await ok('zkjobq', ['limit', ...conn(), 'secure', 'none'], as('root'));
});

test('a submitter cancels a pending job and a daemon finishes the cleanup; others may not cancel', async () => {
  await ok('zkjobq', ['pause', ...conn(), 'secure'], as('root'));
  // Both jobs record each run they get: a cancelled job's status says
  // "cancelled" even if a daemon ran it anyway, only the job itself tells.
  const record = worldWritableRecord();
  const [mine, other] = [await submitRecordedAs('alice', record), await submitRecordedAs('alice', record)];
  const refused = await run('zkjobc', ['cancel', ...conn(), other], as('bob'));
  assert.equal(refused.code, 77, refused.stderr);
  assert.equal(await ok('zkjobc', ['cancel', ...conn(), mine], as('alice')), `${mine} cancelled\n`);
  assert.match(await ok('zkjobc', ['status', ...conn(), mine]), /cancelled/);
  await ok('zkjobq', ['resume', ...conn(), 'secure'], as('root'));
  assert.equal((await run('zkjobc', ['wait', ...conn(), other], { timeoutMs: 30_000 })).code, 0, 'the job bob could not cancel ran');
  const seq = Number(mine.split('/')[1]);
  const reader = await ZkClient.connect({ connect: zk.connectString });
  try {
    await waitFor('a daemon to delete the cancelled job\'s spec', async () => (await reader.exists(new Paths(root).pendingJob('secure', seq))) === null, 20_000, 100);
  } finally {
    reader.close();
  }
  assert.match(await ok('zkjobc', ['status', ...conn(), mine]), /cancelled/);
  // One slot, FIFO: had the daemon run the cancelled job, it would have done
  // so before the later one, which has finished.
  const starts = startsPerJob(readRunEvents(record));
  assert.deepEqual([...starts], [[other, 1]], 'the cancelled job never ran; the other ran once');
  assert.doesNotMatch(daemon.log, new RegExp(`job=${mine}\\b.*(started|finished)|(started|finished).*job=${mine}\\b`), 'nor does the daemon say it ran it');
});

test('a znode created with an ACL is restricted from its first moment (the binding patch)', async () => {
  const path = `${root}/made-restricted`;
  const alice = await ZkClient.connect({ connect: zk.connectString, auth: 'alice:pw-alice' });
  const bob = await ZkClient.connect({ connect: zk.connectString, auth: 'bob:pw-bob' });
  try {
    await alice.create(path, 'mine', 'persistent', [{ perms: PERM.ALL, scheme: 'digest', auth: id('alice') }]);
    await assert.rejects(bob.get(path), NoAuthError, 'no read for bob');
    await assert.rejects(bob.set(path, 'his'), NoAuthError, 'no write for bob');
    assert.equal((await alice.get(path)).data.toString(), 'mine');
    await alice.delete(path);
  } finally {
    alice.close();
    bob.close();
  }
});

/** Submit record-run.sh, which appends a line to record at each run of the job. */
async function submitRecordedAs(who: string, record: string): Promise<string> {
  return (await ok('zkjobc', ['submit', ...conn(), '-q', 'secure', '--', path.join(FIXTURES, 'record-run.sh'), record], as(who))).trim();
}

/** A record file that a job may append to whichever user it runs as. */
function worldWritableRecord(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zkjobs-acl-runs-'));
  chmodSync(dir, 0o777);
  return path.join(dir, 'runs');
}

test("a job's spec takes the queue's ACL: nobody else can rewrite it", async () => {
  await ok('zkjobq', ['pause', ...conn(), 'secure'], as('root'));
  const jobId = (await ok('zkjobc', ['submit', ...conn(), '-q', 'secure', '--', 'true'], as('alice'))).trim();
  const seq = Number(jobId.split('/')[1]);
  const bob = await ZkClient.connect({ connect: zk.connectString, auth: 'bob:pw-bob' });
  try {
    await assert.rejects(bob.set(new Paths(root).pendingJob('secure', seq), '{"argv":["rm","-rf","/"]}'), NoAuthError);
  } finally {
    bob.close();
  }
  assert.match(await ok('zkjobq', ['purge', ...conn(), 'secure', '--yes'], as('root')), /^purged \d+ jobs/);
  await ok('zkjobq', ['resume', ...conn(), 'secure'], as('root'));
});
