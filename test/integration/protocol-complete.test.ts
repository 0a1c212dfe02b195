// complete.ts's crash branches, in process against a real ZooKeeper:
//  - the claim lost before publishing (our session expired): our result is
//    thrown away and a peer runs the job again (the fence);
//  - a duplicate result: the second publish loses and cleans up;
//  - a publish multi whose reply was lost is still ours;
//  - a publish multi lost before the server saw it is sent again;
//  - a spec removed, or moved on by another attempt: the multi applies nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { formatSeq } from '../../src/job-id.js';
import { createResult, publishResult } from '../../src/complete.js';
import { createBucket } from '../../src/submit.js';
import { bucketOf } from '../../src/zk/paths.js';
import { endSessionInServer, expireSession } from '../helpers/faults.js';
import { isCreateOf, isDeleteOf, protocolWorld, succeeded } from '../helpers/protocol.js';
import { OP } from '../helpers/zk-proxy.js';

const world = protocolWorld();

test('claim lost before publishing: the result is thrown away and a peer runs the job again', async () => {
  const q = await world.queue();
  const observer = await world.client();
  const id = await q.submit(observer);
  const c = await world.client({ renew: true }); // a daemon renews its session, as zkjobd does
  const job = await q.claimer(c, 'c').claimNext();
  assert.equal(job?.id.seq, id.seq);

  const renewed = once(c, 'session');
  await expireSession(c);
  await renewed;
  assert.equal(await publishResult(c, q.paths, id, succeeded(job!, 'c')), 'claim-lost', 'c no longer holds the claim');
  assert.deepEqual(await q.znodes(observer, id), { spec: true, claim: false, result: false }, 'nothing recorded, the job still pending');

  const a = await world.client();
  const again = await q.claimer(a, 'a').claimNext();
  assert.equal(again?.id.seq, id.seq, 'a peer claims it');
  assert.equal(again?.attempt, 2, 'as a second attempt');
  assert.equal(await publishResult(a, q.paths, id, succeeded(again!, 'a')), 'published');
  assert.equal((await q.result(observer, id))?.node, 'a');
});

test('claim lost before publishing, with the peer already running it: ours is thrown away, the peer\'s claim untouched', async () => {
  const q = await world.queue();
  const observer = await world.client();
  const id = await q.submit(observer);
  const c = await world.client({ renew: true });
  const job = await q.claimer(c, 'c').claimNext();
  const renewed = once(c, 'session');
  await expireSession(c);
  await renewed;
  const a = await world.client();
  const again = await q.claimer(a, 'a').claimNext();
  assert.equal(again?.id.seq, id.seq);

  assert.equal(await publishResult(c, q.paths, id, succeeded(job!, 'c')), 'claim-lost');
  assert.deepEqual(await q.znodes(observer, id), { spec: true, claim: true, result: false });
  assert.equal((await observer.exists(q.paths.claim(id.queue, id.seq)))?.ephemeralOwner, a.sessionId, 'a still holds it');
  assert.equal(await publishResult(a, q.paths, id, succeeded(again!, 'a')), 'published');
  assert.equal((await q.result(observer, id))?.node, 'a');
});

test('a duplicate result: the second publish loses, keeps the first, and finishes the cleanup', async () => {
  const q = await world.queue();
  const observer = await world.client();
  const id = await q.submit(observer);
  const a = await world.client();
  const job = await q.claimer(a, 'a').claimNext();
  // Another attempt's result got there first (a stale attempt or a cancel).
  const first = { ...succeeded(job!, 'other'), reason: 'the first attempt' };
  assert.equal(await createResult(observer, q.paths, id, first), true);

  assert.equal(await publishResult(a, q.paths, id, succeeded(job!, 'a')), 'duplicate');
  assert.deepEqual(await q.result(observer, id), first, 'the first result stands, unchanged');
  assert.deepEqual(await q.znodes(observer, id), { spec: false, claim: false, result: true });
  assert.equal(await createResult(a, q.paths, id, succeeded(job!, 'a')), false, 'a later create loses too');
});

test('a result create whose reply was lost is ours: published, not a duplicate', async () => {
  const q = await world.queue();
  const observer = await world.client();
  const id = await q.submit(observer);
  const { zk: a, proxy } = await world.proxied();
  const job = await q.claimer(a, 'a').claimNext();
  // The bucket first: otherwise the trapped create is the one that fails
  // for want of it, and the retry's create is not a re-run of ours.
  await createBucket(observer, q.paths, q.name, q.paths.resultBucket(id.queue, bucketOf(id.seq)));
  const trap = proxy.trap(isCreateOf(q.paths.result(id.queue, id.seq)), 'reply');

  const result = succeeded(job!, 'a');
  assert.equal(await publishResult(a, q.paths, id, result), 'published');
  assert.equal((await trap.sprung).path, q.paths.result(id.queue, id.seq), 'the reply lost was the result create\'s');
  assert.deepEqual(await q.result(observer, id), result);
  assert.deepEqual(await q.znodes(observer, id), { spec: false, claim: false, result: true });
});

test('a cleanup cut by a lost connection is finished: spec and claim gone', async () => {
  const q = await world.queue();
  const observer = await world.client();
  const id = await q.submit(observer);
  const { zk: a, proxy } = await world.proxied();
  const job = await q.claimer(a, 'a').claimNext();
  const trap = proxy.trap(isDeleteOf(`/pending/${formatSeq(0)}/${formatSeq(id.seq)}`), 'request');

  assert.equal(await publishResult(a, q.paths, id, succeeded(job!, 'a')), 'published');
  await trap.sprung;
  assert.deepEqual(await q.znodes(observer, id), { spec: false, claim: false, result: true });
});

test('claim lost while the result create is in flight: a renewed session records nothing', async () => {
  // The fence (step 1) passed, the create went out and the connection
  // dropped; the server expired the session while the daemon was cut off.
  // The retry must not create the result from the daemon's new session:
  // the claim was lost, and a peer may already be running the job.
  const q = await world.queue();
  const observer = await world.client();
  const id = await q.submit(observer);
  const { zk: c, proxy } = await world.proxied({ renew: true });
  const job = await q.claimer(c, 'c').claimNext();
  proxy.refuse(true);
  const trap = proxy.trap(isCreateOf('/results/'), 'request');
  const outcome = publishResult(c, q.paths, id, succeeded(job!, 'c')).catch((err: Error) => err);
  await trap.sprung;
  const renewed = once(c, 'session');
  await endSessionInServer(c);
  proxy.refuse(false);
  await renewed;

  const settled = await outcome;
  assert.notEqual(settled, 'published', 'a result published after the claim was lost');
  assert.deepEqual(await q.znodes(observer, id), { spec: true, claim: false, result: false }, 'nothing recorded, the job still pending');
});

test('a spec removed while its job ran: the publish multi applies nothing, and the claim is released', async () => {
  // The multi deletes the spec at our attempt's version: gone, it fails the
  // whole transaction, so no result appears for a job that no longer exists.
  const q = await world.queue();
  const observer = await world.client();
  const id = await q.submit(observer);
  const a = await world.client();
  const job = await q.claimer(a, 'a').claimNext();
  assert.equal(job?.id.seq, id.seq);
  await observer.delete(job!.specPath);
  assert.equal(await publishResult(a, q.paths, id, succeeded(job!, 'a')), 'claim-lost');
  assert.deepEqual(await q.znodes(observer, id), { spec: false, claim: false, result: false });
});

test('a publish after another attempt began (the spec set again) applies nothing, even with the claim path held', async () => {
  const q = await world.queue();
  const observer = await world.client();
  const id = await q.submit(observer);
  const a = await world.client();
  const job = await q.claimer(a, 'a').claimNext();
  // What a peer's claim does to the spec: a new version, the next attempt.
  await observer.set(job!.specPath, job!.specData, job!.attempt);
  assert.equal(await publishResult(a, q.paths, id, succeeded(job!, 'a')), 'claim-lost');
  assert.deepEqual(await q.znodes(observer, id), { spec: true, claim: false, result: false }, 'nothing recorded; our claim released');
});
