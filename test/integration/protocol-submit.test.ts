// submit.ts across a lost connection, in process against a real ZooKeeper:
// whatever the connection does, a submit that returns an id leaves exactly
// one job under that id, and no other job. Each case loses one request or
// its reply at the step that matters:
//  - the spec create's reply: the re-run finds its own spec (same bytes);
//  - the spec create itself: the re-run creates it;
//  - a batch's reservation reply: a gap in the numbers, still one job; a
//    single submit takes its number in the multi that creates its spec, so
//    its lost reply leaves no gap;
//  - the spec create's reply, and the job has already run and been cleaned
//    up by the time the submitter reconnects: the re-run finds the result
//    and does not submit the job a second time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { formatSeq } from '../../src/job-id.js';
import { publishResult } from '../../src/complete.js';
import { createBucket } from '../../src/submit.js';
import { submitBatch } from '../../src/batch.js';
import { bucketOf } from '../../src/zk/paths.js';
import { isCreateOf, isSetOf, protocolWorld, succeeded, type Queue } from '../helpers/protocol.js';
import type { ZkClient } from '../../src/zk/client.js';

const world = protocolWorld();

/** The queue's counter: the last number handed out. */
async function counter(zk: ZkClient, q: Queue): Promise<number> {
  return Number(String((await zk.get(q.paths.counter(q.name))).data) || 0);
}

async function* lines(items: string[]): AsyncIterable<string> {
  yield* items;
}

/** A queue whose first pending bucket already exists, so that the first spec create is the one trapped. */
async function queueWithBucket(observer: ZkClient): Promise<Queue> {
  const q = await world.queue();
  await createBucket(observer, q.paths, q.name, q.paths.pendingBucket(q.name, bucketOf(1)));
  return q;
}

test('the spec create\'s reply is lost: one job, under the id returned', async () => {
  const observer = await world.client();
  const q = await queueWithBucket(observer);
  const { zk: submitter, proxy } = await world.proxied();
  const trap = proxy.trap(isCreateOf(`/pending/${bucketOf(1)}/`), 'reply');

  const id = await q.submit(submitter, ['echo', 'once']);
  assert.equal((await trap.sprung).path, q.paths.pendingJob(q.name, id.seq));
  assert.equal(await q.pendingCount(observer), 1, 'exactly one job');
  assert.deepEqual(await q.znodes(observer, id), { spec: true, claim: false, result: false });
  assert.equal(await counter(observer, q), id.seq, 'one number taken');
});

test('the spec create is lost before the server sees it: the re-run creates it', async () => {
  const observer = await world.client();
  const q = await queueWithBucket(observer);
  const { zk: submitter, proxy } = await world.proxied();
  const trap = proxy.trap(isCreateOf(`/pending/${bucketOf(1)}/`), 'request');

  const id = await q.submit(submitter);
  await trap.sprung;
  assert.equal(await q.pendingCount(observer), 1);
  assert.deepEqual(await q.znodes(observer, id), { spec: true, claim: false, result: false });
});

test('the counter\'s reply is lost: a gap in the numbers, and still one job', async () => {
  // A batch reserves its numbers with a write of its own, before any spec.
  const observer = await world.client();
  const q = await queueWithBucket(observer);
  const { zk: submitter, proxy } = await world.proxied();
  const trap = proxy.trap(isSetOf(q.paths.counter(q.name)), 'reply');

  const ids: number[] = [];
  await submitBatch(submitter, q.paths, q.name, lines(['["true"]']), (id) => ids.push(id.seq), 'tester');
  await trap.sprung;
  assert.equal(ids.length, 1);
  assert.ok(ids[0]! > 1, 'the lost reservation left number 1 unused');
  assert.equal(await q.pendingCount(observer), 1);
  assert.equal(await observer.exists(q.paths.pendingJob(q.name, 1)), null);
});

test('a single submit takes its number and creates its spec in one multi: a lost reply leaves no gap, and one job', async () => {
  const observer = await world.client();
  const q = await queueWithBucket(observer);
  const { zk: submitter, proxy } = await world.proxied();
  const trap = proxy.trap(isSetOf(q.paths.counter(q.name)), 'reply');

  const id = await q.submit(submitter);
  const lost = await trap.sprung;
  assert.deepEqual(lost.ops?.map((o) => o.path), [q.paths.pendingJob(q.name, 1), q.paths.counter(q.name)], 'the number and the spec went in one request');
  assert.equal(id.seq, 1, 'the re-run found its own spec, and took no other number');
  assert.equal(await counter(observer, q), 1);
  assert.equal(await q.pendingCount(observer), 1);
});

test('two submitters racing for the same number: each gets its own, no spec is refused', async () => {
  const observer = await world.client();
  const q = await queueWithBucket(observer);
  const [a, b] = [await world.client(), await world.client()];
  const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => q.submit(i % 2 ? a : b)));
  assert.deepEqual(ids.map((id) => id.seq).sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i + 1));
  assert.equal(await counter(observer, q), 20);
  assert.equal(await q.pendingCount(observer), 20);
});

test('the spec create\'s reply is lost and the job runs before we reconnect: not submitted twice', async () => {
  const observer = await world.client();
  const q = await queueWithBucket(observer);
  const { zk: submitter, proxy } = await world.proxied({ sessionTimeoutMs: 20_000 });
  proxy.refuse(true); // once cut, the submitter stays out until the job has run
  const trap = proxy.trap(isCreateOf(`/pending/${bucketOf(1)}/`), 'reply');
  const submitted = q.submit(submitter);
  const lost = await trap.sprung;

  const daemon = await world.client();
  const job = await q.claimer(daemon, 'd').claimNext();
  assert.equal(job && q.paths.pendingJob(q.name, job.id.seq), lost.path, 'a daemon ran the job the submitter is unsure of');
  assert.equal(await publishResult(daemon, q.paths, job!.id, succeeded(job!, 'd')), 'published');
  const reconnected = once(submitter, 'reconnected');
  proxy.refuse(false);
  await reconnected;

  const id = await submitted;
  assert.equal(formatSeq(id.seq), formatSeq(job!.id.seq), 'the submit returns the job that ran');
  assert.equal(await q.pendingCount(observer), 0, 'and did not create it again');
  assert.deepEqual(await q.znodes(observer, id), { spec: false, claim: false, result: true });
});
