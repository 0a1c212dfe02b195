// A protocol operation that began under one session never goes on under
// the next (src/zk/session-bound.ts), in process against a real ZooKeeper.
//
// The client renews an expired session in place, and `retry` backs off up
// to a second between runs of an operation after a lost connection. If the
// session expires and is renewed within that back-off, the next run used to
// go out under the new session: a result published for a claim that had
// died (while a peer could have re-claimed and be running the job), or a
// job handed to the daemon to run whose claim was gone.
//
// The order is made with the proxy: the operation's write is dropped with
// the connection several times running (the client reconnects at once, the
// same session), until retry's back-off is long; then the session is
// expired and renewed inside that back-off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { publishResult } from '../../src/complete.js';
import { createBucket } from '../../src/submit.js';
import { bucketOf } from '../../src/zk/paths.js';
import type { ZkClient } from '../../src/zk/client.js';
import { expireSession } from '../helpers/faults.js';
import { isCreateOf, isSetOf, protocolWorld, succeeded } from '../helpers/protocol.js';
import type { Request, ZkProxy } from '../helpers/zk-proxy.js';

const world = protocolWorld();

/**
 * Lose `times` requests matching `match` in a row, each with its connection,
 * so that retry's next back-off is long (800 ms after five, then 1 s); then
 * expire the client's session and wait until it has a new one, all inside
 * that back-off. Resolves with the new session id.
 */
async function renewDuringBackoff(zk: ZkClient, proxy: ZkProxy, match: (r: Request) => boolean, times = 6): Promise<string> {
  for (let i = 0; i < times; i++) await proxy.trap(match, 'request').sprung;
  const old = zk.sessionId;
  const renewed = once(zk, 'session');
  await expireSession(zk);
  await renewed;
  assert.notEqual(zk.sessionId, old, 'a new session');
  return zk.sessionId;
}

test('a result create retried after the session was renewed records nothing: the claim died with the old session', async () => {
  const q = await world.queue();
  const observer = await world.client();
  const id = await q.submit(observer);
  const { zk: c, proxy } = await world.proxied({ renew: true });
  const job = await q.claimer(c, 'c').claimNext();
  assert.equal(job?.id.seq, id.seq);
  // The bucket first, so that every trapped create is the result's own.
  await createBucket(observer, q.paths, q.name, q.paths.resultBucket(id.queue, bucketOf(id.seq)));

  const outcome = publishResult(c, q.paths, id, succeeded(job!, 'c')).catch((err: Error) => err.message);
  await renewDuringBackoff(c, proxy, isCreateOf(q.paths.result(id.queue, id.seq)));
  assert.equal(await outcome, 'claim-lost', 'the publish gave up: its claim died with its session');
  assert.deepEqual(await q.znodes(observer, id), { spec: true, claim: false, result: false }, 'nothing recorded, the job still pending');

  const a = await world.client();
  const again = await q.claimer(a, 'a').claimNext();
  assert.equal(again?.id.seq, id.seq, 'a peer claims it');
  assert.equal(await publishResult(a, q.paths, id, succeeded(again!, 'a')), 'published');
  assert.equal((await q.result(observer, id))?.node, 'a', "the peer's result is the one");
});

test('a claim whose attempt bump is retried after the session was renewed is not handed out: a job comes back only under a claim of the current session', async () => {
  const q = await world.queue();
  const observer = await world.client();
  const id = await q.submit(observer);
  const { zk: c, proxy } = await world.proxied({ renew: true });

  const claimed = q.claimer(c, 'c').claimNext();
  const session = await renewDuringBackoff(c, proxy, isSetOf(q.paths.pendingJob(id.queue, id.seq)));
  const job = await claimed;
  // Whatever the claimer did after the renewal, a job it returns must be
  // held now, by the session it will run under.
  if (job) {
    const claim = await observer.exists(q.paths.claim(id.queue, id.seq));
    assert.equal(claim?.ephemeralOwner, session, `job ${job.id.seq} handed out to run without a claim of the current session (claim: ${claim?.ephemeralOwner ?? 'none'})`);
  }
});
