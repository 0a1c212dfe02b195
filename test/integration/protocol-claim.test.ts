// claim.ts's crash branches, driven in process against a real ZooKeeper
// with clients standing for daemons. Each test makes its branch happen on
// purpose (a held request, a crashed claimer) and fails if the branch's
// guard is taken out:
//  - claim after completion: a peer finished the job, or it was removed,
//    between our listing and our claim create (step 3);
//  - a result with the spec still pending: a claimer crashed between
//    publishing and cleanup; the next claimer only cleans up (step 4);
//  - a claim create whose reply was lost is still ours (step 2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSeq } from '../../src/job-id.js';
import { createResult, publishResult } from '../../src/complete.js';
import { removePending } from '../../src/purge.js';
import { QueueClaimer } from '../../src/claim.js';
import { isCreateOf, protocolWorld, succeeded } from '../helpers/protocol.js';
import { waitFor } from '../helpers/zk-server.js';
import { OP, requestTouches } from '../helpers/zk-proxy.js';

const world = protocolWorld();

test('claim after completion: a peer ran and finished the job between our listing and our claim', async () => {
  const q = await world.queue();
  const [observer, b] = [await world.client(), await world.client()];
  const id = await q.submit(observer);
  const { zk: a, proxy } = await world.proxied();

  // a has listed the queue and sent its claim create; the server has not seen it yet.
  const hold = proxy.hold(isCreateOf(`/claims/${formatSeq(id.seq)}`));
  const aClaims = q.claimer(a, 'a').claimNext();
  await hold.held;
  const job = await q.claimer(b, 'b').claimNext();
  assert.equal(job?.id.seq, id.seq, 'b took the job');
  assert.equal(await publishResult(b, q.paths, id, succeeded(job!, 'b')), 'published');
  hold.release(); // a's create now succeeds: b's claim is gone

  assert.equal(await aClaims, null, 'a does not run a job that has ended');
  assert.deepEqual(await q.znodes(observer, id), { spec: false, claim: false, result: true }, 'a dropped its claim');
  assert.equal((await q.result(observer, id))?.node, 'b');
});

test('claim after completion: the job was removed between our listing and our claim', async () => {
  // No result to fall back on here: only the re-read of the spec (step 3)
  // stands between a's claim and running a job that no longer exists.
  const q = await world.queue();
  const [observer, operator] = [await world.client(), await world.client()];
  const id = await q.submit(observer);
  const { zk: a, proxy } = await world.proxied();

  const hold = proxy.hold(isCreateOf(`/claims/${formatSeq(id.seq)}`));
  const aClaims = q.claimer(a, 'a').claimNext();
  await hold.held;
  assert.equal(await removePending(operator, q.paths, id), 'removed');
  hold.release();

  assert.equal(await aClaims, null, 'a does not run a removed job');
  assert.deepEqual(await q.znodes(observer, id), { spec: false, claim: false, result: false });
});

test('a result with the spec still pending: the next claimer finishes the cleanup and never runs the job', async () => {
  const q = await world.queue();
  const observer = await world.client();
  const id = await q.submit(observer);
  const crashed = await world.client();
  const job = await q.claimer(crashed, 'c').claimNext();
  assert.equal(job?.id.seq, id.seq);
  const version = (await observer.exists(q.paths.pendingJob(id.queue, id.seq)))!.version;
  // A publish made of separate steps (an older zkjobs; complete.ts is now
  // one multi) cut after the result's create: its claim goes with its
  // session, its result and the spec stay.
  assert.equal(await createResult(crashed, q.paths, id, succeeded(job!, 'c')), true);
  crashed.close();
  await waitFor('the crashed claimer\'s session to end', async () => !(await q.znodes(observer, id)).claim);
  assert.deepEqual(await q.znodes(observer, id), { spec: true, claim: false, result: true });

  const a = await world.client();
  assert.equal(await q.claimer(a, 'a').claimNext(), null, 'the job is not run again');
  assert.deepEqual(await q.znodes(observer, id), { spec: false, claim: false, result: true }, 'the cleanup is finished');
  assert.equal((await q.result(observer, id))?.node, 'c', 'the crashed claimer\'s result stands');
  assert.equal(version, 1, 'attempt 1 was the crashed claimer\'s: nobody bumped it since');
});

test('a claim create whose reply was lost is ours, and the job is claimed once', async () => {
  const q = await world.queue();
  const observer = await world.client();
  const id = await q.submit(observer);
  const { zk: a, proxy } = await world.proxied();
  const trap = proxy.trap(isCreateOf(`/claims/${formatSeq(id.seq)}`), 'reply');

  const job = await q.claimer(a, 'a').claimNext();
  await trap.sprung;
  assert.equal(job?.id.seq, id.seq, 'the retried create recognised its own claim');
  assert.equal(job?.attempt, 1);
  assert.equal((await observer.exists(q.paths.claim(id.queue, id.seq)))?.ephemeralOwner, a.sessionId);
  assert.equal(await q.claimer(await world.client(), 'b').claimNext(), null, 'nobody else can claim it');
});

test('a claim lost to a peer on the first try is lost without reading the peer\'s claim', async () => {
  // Only a retried create can have made our own claim (lost reply, above);
  // on the first try the claim that exists is a peer's, and reading it
  // would cost the leader a request per lost race.
  const q = await world.queue();
  const [observer, b] = [await world.client(), await world.client()];
  const id = await q.submit(observer);
  const { zk: a, proxy } = await world.proxied();
  const claimPath = q.paths.claim(id.queue, id.seq);

  const hold = proxy.hold(isCreateOf(`/claims/${formatSeq(id.seq)}`));
  const aClaimer = q.claimer(a, 'a');
  const aClaims = aClaimer.claimNext();
  await hold.held;
  assert.equal((await q.claimer(b, 'b').claimNext())?.id.seq, id.seq, 'b took the job');
  let claimRead = false;
  void proxy.trap((r) => requestTouches(r, OP.getData, (p) => p === claimPath), 'request').sprung.then(() => (claimRead = true));
  hold.release();

  assert.equal(await aClaims, null, 'a lost the race');
  assert.deepEqual(aClaimer.stats, { attempts: 1, won: 0, lost: 1 });
  assert.equal(claimRead, false, 'a did not read b\'s claim');
  assert.equal((await observer.exists(claimPath))?.ephemeralOwner, b.sessionId, 'b still holds it');
});

test('racing claimers that see the same window take their own shares of it first, not the same jobs', async () => {
  // Two live nodes: a window of 2 picks x 2 racers, the first 4 jobs. Node
  // rank 0 takes the even job numbers of it, rank 1 the odd ones; a random
  // pick gave a exactly the even two 1 time in 6.
  const q = await world.queue();
  const [observer, a, b] = [await world.client(), await world.client(), await world.client()];
  const window: number[] = [];
  for (let i = 0; i < 8; i++) {
    const id = await q.submit(observer);
    if (i < 4) window.push(id.seq);
  }
  const racing = (zk: typeof a, node: string, rank: number) => new QueueClaimer(zk, q.paths, q.name, node, () => 2, undefined, undefined, () => rank);
  const aJobs = await racing(a, 'a', 0).claimSome(2);
  const bJobs = await racing(b, 'b', 1).claimSome(2);
  assert.deepEqual(aJobs.map((j) => j.id.seq), window.filter((seq) => seq % 2 === 0), 'a (rank 0) took the even jobs of the window');
  assert.deepEqual(bJobs.map((j) => j.id.seq), window.filter((seq) => seq % 2 === 1), 'b (rank 1) took the odd ones; the even ones were claimed');
});

test('a claimer passes over the jobs its node holds: their specs stay listed until the result is out', async () => {
  // Alone, a node lists the head again whenever a slot is free; its own
  // running job is in that listing, and a create for it could only lose to
  // itself (a failed write, with its spec read and result check).
  const q = await world.queue();
  const [observer, a] = [await world.client(), await world.client()];
  const first = await q.submit(observer);
  const second = await q.submit(observer);
  const held = new Set<number>();
  const claimer = new QueueClaimer(a, q.paths, q.name, 'a', () => 1, undefined, undefined, undefined, (seq) => held.has(seq));
  const job = await claimer.claimNext();
  assert.equal(job?.id.seq, first.seq);
  held.add(first.seq);
  claimer.reset(); // as after a wake-up with an empty head: the next pass lists again
  assert.equal((await claimer.claimNext())?.id.seq, second.seq, 'the next job, not ours again');
  assert.deepEqual(claimer.stats, { attempts: 2, won: 2, lost: 0 });
});

test('claim and attempt bump are one multi: a spec moved on while our claim was in flight leaves no claim', async () => {
  // A peer's attempt (or anyone's set) between our read of the spec and our
  // multi changes its version: the claim create fails with the bump, so a
  // claim is never held on a spec we did not count an attempt on.
  const q = await world.queue();
  const observer = await world.client();
  const id = await q.submit(observer);
  const { zk: a, proxy } = await world.proxied();

  const hold = proxy.hold(isCreateOf(`/claims/${formatSeq(id.seq)}`));
  const aClaims = q.claimer(a, 'a').claimNext();
  await hold.held;
  const specPath = q.paths.pendingJob(id.queue, id.seq);
  const before = await observer.get(specPath);
  await observer.set(specPath, before.data, before.stat.version);
  hold.release();

  assert.equal(await aClaims, null, 'a did not win a job whose spec changed under it');
  assert.deepEqual(await q.znodes(observer, id), { spec: true, claim: false, result: false }, 'no claim left behind');
  assert.equal((await observer.exists(specPath))?.version, before.stat.version + 1, 'only the other set counted');
  const again = await q.claimer(a, 'a').claimNext();
  assert.equal(again?.id.seq, id.seq, 'the next pass claims it');
  assert.equal(again?.attempt, before.stat.version + 2);
});
