import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkQueueName, formatJobId, isSeqName, MAX_SEQ, parseJobId, parseSeq } from '../../src/job-id.js';
import { DataError } from '../../src/errors.js';

test('job ids round-trip', () => {
  assert.equal(formatJobId({ queue: 'default', seq: 42 }), 'default/0000000042');
  assert.deepEqual(parseJobId('default/0000000042'), { queue: 'default', seq: 42 });
  assert.deepEqual(parseJobId('q.1/7'), { queue: 'q.1', seq: 7 });
});

test('malformed job ids are data errors', () => {
  for (const bad of ['', 'default', 'default/', '/12', 'default/abc', 'default/-1', '../x/1', 'a/b/1', 'default/12345678901']) {
    assert.throws(() => parseJobId(bad), DataError, bad);
  }
});

test('queue names that could escape or confuse a znode path are refused', () => {
  for (const bad of ['../x', '..', '.hidden', '-x', 'a/b', '', 'a b', 'x'.repeat(65), 'zookeeper\0', 'é']) {
    assert.throws(() => checkQueueName(bad), (err: Error) => err instanceof DataError && err.message.startsWith('invalid queue name'), bad);
  }
  for (const good of ['default', 'a', 'Batch_2', 'gpu.large', 'x'.repeat(64)]) assert.equal(checkQueueName(good), good);
});

test('znode names: only the ten zero-padded digits zkjobs writes are job numbers', () => {
  assert.equal(parseSeq('0000000001'), 1);
  assert.equal(parseSeq('9999999999'), MAX_SEQ);
  for (const alias of ['1', '01', '000000001', '00000000001', '10000000000', '+000000001', ' 000000001', '000000001a', '']) {
    assert.equal(parseSeq(alias), null, alias);
    assert.equal(isSeqName(alias), false, alias);
  }
  // A person may still type the short form of a job id.
  assert.deepEqual(parseJobId('default/1'), { queue: 'default', seq: 1 });
});
