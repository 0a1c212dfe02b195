import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eligible, encodeClass, formatSize, isUnconstrained, parseClass, parseSize, parseTagList, whyNoNode, withHold, NO_REQUIREMENTS } from '../../src/placement.js';
import { classBucket, heldTwin, parsePendingBucket, parseSeqInBucket, Paths } from '../../src/zk/paths.js';

test('a class is written one way only, and read back only when written that way', () => {
  const r = { tags: ['gpu', 'ssd'], cpus: 2, mem: 1024 };
  assert.equal(encodeClass(r), 'c2~m1024~tgpu,ssd');
  assert.deepEqual(parseClass('c2~m1024~tgpu,ssd'), r);
  assert.equal(encodeClass(NO_REQUIREMENTS), '');
  assert.equal(encodeClass({ tags: ['node=n3'], cpus: 1, mem: 0 }), 'tnode=n3');
  // Other spellings of the same class, or of none, are not classes: one job could be listed twice.
  for (const bad of ['tssd,gpu', 'c1', 'c02', 'm0', 'tgpu~c2', 'tgpu,gpu', 't', 'x1', 'c2~', 'm1024~c2', 'ta b', 'c99999']) assert.equal(parseClass(bad), null, bad);
});

test('pending buckets: plain, or the range and a class', () => {
  assert.equal(classBucket(10_007, null), '0000010000');
  assert.equal(classBucket(10_007, { tags: ['gpu'], cpus: 1, mem: 0 }), '0000010000~tgpu');
  assert.deepEqual(parsePendingBucket('0000010000~tgpu'), { first: 10_000, cls: 'tgpu', requirements: { tags: ['gpu'], cpus: 1, mem: 0 } });
  assert.equal(parsePendingBucket('0000010000')?.cls, '');
  for (const bad of ['0000010000~', '0000010000~tgpu,', '0000010001~tgpu', 'x~tgpu', '0000010000~~tgpu']) assert.equal(parsePendingBucket(bad), null, bad);
  assert.equal(parseSeqInBucket('0000010000~tgpu', '0000010007'), 10_007);
  assert.equal(parseSeqInBucket('0000000000~tgpu', '0000010007'), null);
  assert.equal(new Paths('/z').pendingJob('q', 5, { tags: ['gpu'], cpus: 1, mem: 0 }), '/z/queues/q/pending/0000000000~tgpu/0000000005');
});

test('eligibility: every tag, enough slots, enough memory', () => {
  const node = { tags: ['gpu', 'os=linux'], slots: 4, memTotal: 8 * 2 ** 30 };
  assert.ok(eligible({ tags: ['gpu'], cpus: 4, mem: 2 ** 30 }, node));
  assert.ok(!eligible({ tags: ['gpu', 'ssd'], cpus: 1, mem: 0 }, node));
  assert.ok(!eligible({ tags: [], cpus: 5, mem: 0 }, node));
  assert.ok(!eligible({ tags: [], cpus: 1, mem: 9 * 2 ** 30 }, node));
});

test('why no node can run a job, in words', () => {
  const nodes = [{ tags: ['ssd'], slots: 2, memTotal: 2 ** 30 }];
  assert.equal(whyNoNode({ tags: ['gpu'], cpus: 1, mem: 0 }, nodes), 'no live node has tags gpu');
  assert.equal(whyNoNode({ tags: [], cpus: 3, mem: 0 }, nodes), 'no live node has 3 slots');
  assert.equal(whyNoNode({ tags: ['ssd'], cpus: 1, mem: 2 ** 31 }, nodes), 'no live node with tags ssd has 2G of memory');
  assert.equal(whyNoNode({ tags: ['ssd'], cpus: 2, mem: 0 }, nodes), null);
  assert.equal(whyNoNode(NO_REQUIREMENTS, []), 'no live node serves the queue');
});

test('sizes and tag lists as people type them', () => {
  assert.equal(parseSize('512M'), 512 * 2 ** 20);
  assert.equal(parseSize('1.5G'), 1.5 * 2 ** 30);
  assert.equal(parseSize('4GiB'), 4 * 2 ** 30);
  assert.equal(parseSize('100'), 100);
  for (const bad of ['', 'lots', '-1G', '0', '1X']) assert.throws(() => parseSize(bad), /size/, bad);
  assert.equal(formatSize(2 ** 30), '1G');
  assert.equal(formatSize(1.5 * 2 ** 30), '1.5G');
  assert.deepEqual(parseTagList(' ssd,gpu, ssd '), ['gpu', 'ssd']);
  assert.throws(() => parseTagList('a b'), /invalid tag/);
  assert.throws(() => parseTagList('gpu~x'), /invalid tag/);
});

test('a held class: `h` first, then the job\'s own requirements; no node is eligible for it', () => {
  const gpu = { tags: ['gpu'], cpus: 2, mem: 0 };
  assert.equal(encodeClass(withHold(NO_REQUIREMENTS, true)), 'h');
  assert.equal(encodeClass(withHold(gpu, true)), 'h~c2~tgpu');
  assert.deepEqual(parseClass('h~c2~tgpu'), { ...gpu, held: true });
  assert.deepEqual(parseClass('h'), { ...NO_REQUIREMENTS, tags: [], held: true });
  // Released, the class is the job's own again, with no trace of the hold.
  assert.deepEqual(withHold(parseClass('h~c2~tgpu')!, false), gpu);
  assert.equal(encodeClass(withHold(parseClass('h~c2~tgpu')!, false)), 'c2~tgpu');
  // Only that one spelling: a second name for a held class would list a job twice.
  for (const bad of ['c2~h', 'h~h', 'hx', 'H', 'h~', '~h', 'tgpu~h', 'h1']) assert.equal(parseClass(bad), null, bad);
  // A tag may be called h: it is a `t` part, not a hold.
  assert.deepEqual(parseClass('th'), { tags: ['h'], cpus: 1, mem: 0 });
  const anyNode = { tags: ['gpu', 'h'], slots: 64, memTotal: 2 ** 40 };
  assert.ok(!eligible(withHold(NO_REQUIREMENTS, true), anyNode));
  assert.ok(!eligible(withHold(gpu, true), anyNode));
  assert.ok(eligible(gpu, anyNode));
  assert.ok(!isUnconstrained(withHold(NO_REQUIREMENTS, true)));
  assert.equal(whyNoNode(withHold(NO_REQUIREMENTS, true), [anyNode]), 'held');
});

test('held buckets: the twin of a bucket in the same range, held or not', () => {
  const plain = parsePendingBucket('0000010000')!;
  assert.equal(heldTwin(plain, true), '0000010000~h');
  assert.equal(heldTwin(plain, false), '0000010000');
  const held = parsePendingBucket('0000010000~h~c2~tgpu')!;
  assert.deepEqual(held, { first: 10_000, cls: 'h~c2~tgpu', requirements: { tags: ['gpu'], cpus: 2, mem: 0, held: true } });
  assert.equal(heldTwin(held, false), '0000010000~c2~tgpu');
  assert.equal(heldTwin(held, true), '0000010000~h~c2~tgpu');
  assert.equal(parseSeqInBucket('0000010000~h', '0000010007'), 10_007);
  for (const bad of ['0000010000~c2~h', '0000010001~h', '0000010000~hh']) assert.equal(parsePendingBucket(bad), null, bad);
});
