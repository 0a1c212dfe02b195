// cancel.ts across a lost connection, in process against a real ZooKeeper.
// A pending job is cancelled by the canceller (claim, 'cancelled' result,
// cleanup): losing any reply on the way must still end with one cancelled
// result and no runnable spec. A running job gets a request znode: losing
// its reply must leave one request and the running job's claim untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSeq } from '../../src/job-id.js';
import { cancelJob } from '../../src/cancel.js';
import { createBucket } from '../../src/submit.js';
import { bucketOf } from '../../src/zk/paths.js';
import { isCreateOf, protocolWorld } from '../helpers/protocol.js';
import { OP } from '../helpers/zk-proxy.js';
import { loseConnection } from '../helpers/faults.js';

const world = protocolWorld();

test('cancel of a pending job, the reply to its claim lost: cancelled once, nothing left to run', async () => {
  const q = await world.queue();
  const observer = await world.client();
  const id = await q.submit(observer);
  const { zk: canceller, proxy } = await world.proxied();
  const trap = proxy.trap(isCreateOf(`/claims/${formatSeq(id.seq)}`), 'reply');

  assert.equal(await cancelJob(canceller, q.paths, id), 'cancelled', 'its own claim, recognised after the lost reply');
  await trap.sprung;
  assert.equal((await q.result(observer, id))?.state, 'cancelled');
  assert.deepEqual(await q.znodes(observer, id), { spec: false, claim: false, result: true });
  assert.equal(await q.claimer(await world.client(), 'd').claimNext(), null, 'no daemon can run it');
});

test('cancel of a pending job, the reply to its result lost: one cancelled result', async () => {
  const q = await world.queue();
  const observer = await world.client();
  const id = await q.submit(observer);
  await createBucket(observer, q.paths, q.name, q.paths.resultBucket(q.name, bucketOf(id.seq)));
  const { zk: canceller, proxy } = await world.proxied();
  const trap = proxy.trap(isCreateOf(q.paths.result(id.queue, id.seq)), 'reply');

  assert.equal(await cancelJob(canceller, q.paths, id), 'cancelled', 'not "already cancelled": the result is its own');
  await trap.sprung;
  assert.equal((await q.result(observer, id))?.state, 'cancelled');
  assert.deepEqual(await q.znodes(observer, id), { spec: false, claim: false, result: true });
});

test('cancel of a pending job, the connection lost during cleanup: the spec is gone all the same', async () => {
  const q = await world.queue();
  const observer = await world.client();
  const id = await q.submit(observer);
  const { zk: canceller, proxy } = await world.proxied();
  const trap = proxy.trap((r) => r.op === OP.delete && r.path === q.paths.pendingJob(id.queue, id.seq), 'request');

  assert.equal(await cancelJob(canceller, q.paths, id), 'cancelled');
  await trap.sprung;
  assert.deepEqual(await q.znodes(observer, id), { spec: false, claim: false, result: true });
  assert.equal(await q.claimer(await world.client(), 'd').claimNext(), null);
});

test('cancel of a running job, the reply to its request lost: one request, the runner\'s claim untouched', async () => {
  const q = await world.queue();
  const observer = await world.client();
  const id = await q.submit(observer);
  const daemon = await world.client();
  const job = await q.claimer(daemon, 'd').claimNext();
  assert.equal(job?.id.seq, id.seq);
  const { zk: canceller, proxy } = await world.proxied();
  const trap = proxy.trap(isCreateOf(q.paths.cancel(id.queue, id.seq)), 'reply');

  assert.equal(await cancelJob(canceller, q.paths, id), 'requested');
  await trap.sprung;
  assert.deepEqual(await observer.children(q.paths.cancels(q.name)), [formatSeq(id.seq)], 'exactly one request');
  assert.deepEqual(await q.znodes(observer, id), { spec: true, claim: true, result: false }, 'still running, no result');
  assert.equal((await observer.exists(q.paths.claim(id.queue, id.seq)))?.ephemeralOwner, daemon.sessionId);
});

test('cancel of a running job, then the runner loses its connection: its claim and the request survive', async () => {
  const q = await world.queue();
  const observer = await world.client();
  const id = await q.submit(observer);
  const { zk: daemon } = await world.proxied();
  const job = await q.claimer(daemon, 'd').claimNext();
  assert.equal(job?.id.seq, id.seq);

  assert.equal(await cancelJob(await world.client(), q.paths, id), 'requested');
  await loseConnection(daemon);
  assert.equal((await observer.exists(q.paths.claim(id.queue, id.seq)))?.ephemeralOwner, daemon.sessionId, 'connection loss is not expiry');
  assert.notEqual(await daemon.exists(q.paths.cancel(id.queue, id.seq)), null, 'the runner still finds the request');
  assert.equal(await q.claimer(await world.client(), 'e').claimNext(), null, 'nobody else takes the job meanwhile');
});
