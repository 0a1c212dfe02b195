import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eligible, encodeClass, formatSize, parseClass, parseSize, parseTagList, whyNoNode, NO_REQUIREMENTS } from '../../src/placement.js';
import { classBucket, parsePendingBucket, parseSeqInBucket, Paths } from '../../src/zk/paths.js';

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
