import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUCKET_SIZE, bucketOf, parseBucket, parseSeqInBucket, Paths } from '../../../src/zk/paths.js';

test('jobs are bucketed by consecutive sequence numbers', () => {
  assert.equal(bucketOf(0), '0000000000');
  assert.equal(bucketOf(BUCKET_SIZE - 1), '0000000000');
  assert.equal(bucketOf(BUCKET_SIZE), '0000010000');
  assert.equal(bucketOf(1_234_567), '0001230000');
});

test('paths under a root, and under a trailing-slash root', () => {
  for (const root of ['/zkjobs', '/zkjobs/']) {
    const p = new Paths(root);
    assert.equal(p.pendingJob('q', 42), '/zkjobs/queues/q/pending/0000000000/0000000042');
    assert.equal(p.result('q', 10_001), '/zkjobs/queues/q/results/0000010000/0000010001');
    assert.equal(p.claim('q', 42), '/zkjobs/queues/q/claims/0000000042');
    assert.equal(p.node('n1'), '/zkjobs/nodes/n1');
    assert.equal(p.counter('q'), '/zkjobs/queues/q/seq');
  }
  assert.equal(new Paths('/').queues(), '/queues');
});

test('bucket names and the specs under them: only what zkjobs writes there', () => {
  assert.equal(parseBucket('0000010000'), BUCKET_SIZE);
  for (const bad of ['0000010001', '10000', '00000100000', 'x']) assert.equal(parseBucket(bad), null, bad);
  assert.equal(parseSeqInBucket('0000000000', '0000000007'), 7);
  assert.equal(parseSeqInBucket('0000010000', '0000000007'), null, 'job 7 filed under the wrong bucket');
  assert.equal(parseSeqInBucket('0000000000', '7'), null, 'an alias');
});
