import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aliasSeq, classifyJobName, exactBucket, exactSeq, exactSlot } from '../../../src/check/names.js';
import { judgeCounter, parseCounterText } from '../../../src/check/counter.js';
import { salvageConfig, repairOrder } from '../../../src/check/repair.js';
import type { Finding } from '../../../src/check/finding.js';

test('only ten-digit names are jobs; shorter or longer digit strings are aliases', () => {
  assert.equal(exactSeq('0000000001'), 1);
  for (const name of ['1', '01', '00000000001', '000000001a', '', '+000000001']) assert.equal(exactSeq(name), null, name);
  assert.deepEqual(classifyJobName('01'), { kind: 'alias', seq: 1 });
  assert.deepEqual(classifyJobName('00000000001'), { kind: 'alias', seq: 1 });
  assert.deepEqual(classifyJobName('evil'), { kind: 'foreign' });
  assert.deepEqual(classifyJobName('0000000042'), { kind: 'exact', seq: 42 });
  assert.equal(aliasSeq('99999999999'), null, 'beyond the range: foreign, not an alias');
});

test('buckets are padded multiples of 10000; slots plain numbers below the most a limit can be', () => {
  assert.equal(exactBucket('0000010000'), 10_000);
  assert.equal(exactBucket('0000000001'), null);
  assert.equal(exactBucket('10000'), null);
  assert.equal(exactSlot('0'), 0);
  assert.equal(exactSlot('9999'), 9999);
  for (const name of ['00', '01', '10000', '-1', 'x', '']) assert.equal(exactSlot(name), null, name);
});

test('a counter is judged against the highest job found', () => {
  assert.equal(parseCounterText(''), 0);
  assert.equal(parseCounterText('12x'), null);
  assert.deepEqual(judgeCounter('5', 5, 9_999_999_999), { kind: 'ok' });
  assert.deepEqual(judgeCounter('4', 5, 9_999_999_999), { kind: 'behind', counter: 4, highest: 5 });
  assert.equal(judgeCounter('100000005', 5, 9_999_999_999).kind, 'ok', 'a gap of 10^8 is still fine');
  assert.equal(judgeCounter('100000006', 5, 9_999_999_999).kind, 'ahead');
  assert.equal(judgeCounter('9999999999', 9_999_999_000, 9_999_999_999).kind, 'ahead', 'near the end of the range');
  assert.equal(judgeCounter('9999999999', 9_999_999_999, 9_999_999_999).kind, 'ok', 'nothing to lower to');
  assert.equal(judgeCounter('abc', 0, 9_999_999_999).kind, 'unparseable');
});

test('a config is salvaged to safe values: unreadable means paused, a bad limit pauses rather than lifts', () => {
  assert.deepEqual(salvageConfig(Buffer.from('{nope')), { paused: true, maxRunning: null });
  assert.deepEqual(salvageConfig(Buffer.from('{"paused":"yes"}')), { paused: true, maxRunning: null });
  assert.deepEqual(salvageConfig(Buffer.from('{"paused":false,"maxRunning":3,"x":1}')), { paused: false, maxRunning: 3 });
  assert.deepEqual(salvageConfig(Buffer.from('{"maxRunning":-3}')), { paused: true, maxRunning: null });
});

test('fenced deletes before the cleanups that need the claim, plain deletes after, buckets after what was in them, the counter last', () => {
  const f = (fix: Finding['fix']): Finding => ({ queue: 'q', kind: 'bad-name', znode: '', job: null, problem: '', repair: '', fix });
  const order = repairOrder([
    f({ op: 'set-counter', to: 1, lower: false }), f({ op: 'delete-tree', path: '/b', onlyIfEmpty: true }), f(null),
    f({ op: 'delete-tree', path: '/a' }), f({ op: 'finish-cleanup', seq: 1 }), f({ op: 'delete-examined', path: '/c', was: { czxid: 1, version: 0, ephemeralOwner: '0' } }),
  ]).map((x) => x.fix!.op + (x.fix!.op === 'delete-tree' && x.fix!.onlyIfEmpty ? '-if-empty' : ''));
  assert.deepEqual(order, ['delete-examined', 'finish-cleanup', 'delete-tree', 'delete-tree-if-empty', 'set-counter']);
});
