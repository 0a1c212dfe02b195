// Requests whose reply is lost (the server applied them, the client got a
// connection loss), driven through the library in-process against a real
// ZooKeeper: the retry policy runs the operation again, and the operation
// must recognise what it already did instead of doing it twice.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeProxies, connectClient, connectThroughProxy } from '../helpers/faults.js';
import { OP, requestTouches } from '../helpers/zk-proxy.js';
import { cleanup, startStandalone, type ZkCluster } from '../helpers/zk-server.js';
import { freshRoot } from '../helpers/cli.js';
import { bucketOf, Paths } from '../../src/zk/paths.js';
import type { ZkClient } from '../../src/zk/client.js';
import { ensureQueue } from '../../src/queue.js';
import { submitJob, reserveSequences } from '../../src/submit.js';
import { QueueClaimer } from '../../src/claim.js';
import { publishResult } from '../../src/complete.js';
import { encodeJobSpec } from '../../src/job-spec.js';
import { createBucket, createJobSpec } from '../../src/submit.js';
import { purgeQueue } from '../../src/purge.js';

let cluster: ZkCluster;
let observer: ZkClient;
const clients: ZkClient[] = [];
const spec = { argv: ['true'], submittedAt: new Date().toISOString() };

before(async () => {
  cluster = await startStandalone();
  observer = await connectClient(cluster.connectString);
});

after(async () => {
  for (const zk of [observer, ...clients]) zk?.close();
  await closeProxies();
  await cleanup();
});

async function freshQueue(): Promise<Paths> {
  const paths = new Paths(freshRoot());
  await ensureQueue(observer, paths, 'default');
  return paths;
}

test('a claim whose attempt bump lost its reply counts one attempt, not two', async () => {
  const paths = await freshQueue();
  const id = await submitJob(observer, paths, 'default', spec);
  const { zk, proxy } = await connectThroughProxy(cluster.connectString);
  clients.push(zk);
  const specPath = paths.pendingJob('default', id.seq);
  // The bump is a set of the spec, sent alone or in the claim's multi.
  const trap = proxy.trap((r) => requestTouches(r, OP.setData, (p) => p === specPath), 'reply');
  const job = await new QueueClaimer(zk, paths, 'default', 'n1', () => 1).claimNext();
  await trap.sprung;
  assert.equal(job?.id.seq, id.seq);
  assert.equal(job?.attempt, 1, 'the retried bump recognised its own set');
  assert.equal((await observer.exists(specPath))?.version, 1);
});

test('a claim whose create lost its reply is recognised as ours by its token, and the job is ours', async () => {
  const paths = await freshQueue();
  const id = await submitJob(observer, paths, 'default', spec);
  const { zk, proxy } = await connectThroughProxy(cluster.connectString);
  clients.push(zk);
  const claimPath = paths.claim('default', id.seq);
  const trap = proxy.trap((r) => requestTouches(r, [OP.create, OP.create2], (p) => p === claimPath), 'reply');
  const job = await new QueueClaimer(zk, paths, 'default', 'n1', () => 1).claimNext();
  await trap.sprung;
  assert.equal(job?.id.seq, id.seq);
  assert.equal((await observer.exists(claimPath))?.ephemeralOwner, zk.sessionId);
});

test('a submit whose spec create lost its reply, and whose job ran meanwhile, is not submitted again', async () => {
  const paths = await freshQueue();
  const { zk, proxy } = await connectThroughProxy(cluster.connectString);
  clients.push(zk);
  const seq = await reserveSequences(zk, paths, 'default', 1);
  const specPath = paths.pendingJob('default', seq);
  // The bucket is there (an earlier job made it), so the trapped create is the one that makes the spec.
  await createBucket(observer, paths, 'default', paths.pendingBucket('default', bucketOf(seq)));
  // Once the reply is lost, the submitter stays cut off while a daemon runs the job to its end.
  const trap = proxy.trap((r) => (r.op === OP.create || r.op === OP.create2) && r.path === specPath, 'reply');
  proxy.refuse(true);
  const submitted = createJobSpec(zk, paths, { queue: 'default', seq }, encodeJobSpec(spec));
  await trap.sprung;
  const daemon = await new QueueClaimer(observer, paths, 'default', 'd1', () => 1).claimNext();
  assert.equal(daemon?.id.seq, seq);
  const finishedAt = new Date().toISOString();
  const result = { state: 'succeeded' as const, exitCode: 0, signal: null, reason: null, node: 'd1', attempt: 1, startedAt: finishedAt, finishedAt, stdoutTail: '', stderrTail: '', spec };
  assert.equal(await publishResult(observer, paths, daemon!.id, result), 'published');
  assert.equal(await observer.exists(specPath), null, 'the job has run and its spec is gone');
  proxy.refuse(false);
  await submitted;
  assert.equal(await observer.exists(specPath), null, 'the retried create did not bring the finished job back');
});

test('a purge whose spec delete lost its reply counts the job it removed', async () => {
  const paths = await freshQueue();
  const ids = [await submitJob(observer, paths, 'default', spec), await submitJob(observer, paths, 'default', spec)];
  const { zk, proxy } = await connectThroughProxy(cluster.connectString);
  clients.push(zk);
  const specPath = paths.pendingJob('default', ids[0].seq);
  const trap = proxy.trap((r) => r.op === OP.delete && r.path === specPath, 'reply');
  const counts = await purgeQueue(zk, paths, 'default');
  await trap.sprung;
  assert.deepEqual(counts, { pending: 2, finished: 0, skippedRunning: 0 });
  assert.equal(await observer.exists(specPath), null);
});

test('a purge whose result delete lost its reply counts the job it removed', async () => {
  const paths = await freshQueue();
  for (let i = 0; i < 2; i++) {
    const id = await submitJob(observer, paths, 'default', spec);
    const job = await new QueueClaimer(observer, paths, 'default', 'd1', () => 1).claimNext();
    assert.equal(job?.id.seq, id.seq);
    const at = new Date().toISOString();
    const result = { state: 'succeeded' as const, exitCode: 0, signal: null, reason: null, node: 'd1', attempt: 1, startedAt: at, finishedAt: at, stdoutTail: '', stderrTail: '', spec };
    assert.equal(await publishResult(observer, paths, job!.id, result), 'published');
  }
  const { zk, proxy } = await connectThroughProxy(cluster.connectString);
  clients.push(zk);
  const resultPath = paths.result('default', 1);
  const trap = proxy.trap((r) => r.op === OP.delete && r.path === resultPath, 'reply');
  const counts = await purgeQueue(zk, paths, 'default');
  await trap.sprung;
  assert.deepEqual(counts, { pending: 0, finished: 2, skippedRunning: 0 });
  assert.equal(await observer.exists(resultPath), null);
});
