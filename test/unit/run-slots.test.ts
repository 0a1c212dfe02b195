import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freeSlots } from '../../src/run-slots.js';
import { parseQueueConfig, servedQueueConfig } from '../../src/queue.js';
import { DataError } from '../../src/errors.js';

test('free run slots are the names below the limit that nobody holds', () => {
  assert.deepEqual(freeSlots(new Set(), 3), [0, 1, 2]);
  assert.deepEqual(freeSlots(new Set(['1']), 3), [0, 2]);
  assert.deepEqual(freeSlots(new Set(['0', '1', '2']), 3), []);
});

test('a lowered limit: slots held above it still count, so nothing is free until enough end', () => {
  assert.deepEqual(freeSlots(new Set(['3', '4']), 2), [], 'two held with a limit of two');
  assert.deepEqual(freeSlots(new Set(['4']), 2), [0, 1]);
});

test('the queue config carries the limit; old configs without it mean no limit; bad ones are refused', () => {
  assert.deepEqual(parseQueueConfig(Buffer.from('{"paused":false}')), { paused: false, maxRunning: null });
  assert.deepEqual(parseQueueConfig(Buffer.from('{"paused":true,"maxRunning":4}')), { paused: true, maxRunning: 4 });
  assert.deepEqual(parseQueueConfig(Buffer.from('{"maxRunning":null}')), { paused: false, maxRunning: null });
  for (const bad of ['{"maxRunning":0}', '{"maxRunning":1.5}', '{"maxRunning":"3"}', '{"maxRunning":3,"colour":1}']) {
    assert.throws(() => parseQueueConfig(Buffer.from(bad)), DataError, bad);
  }
});

test('an unreadable queue config is served as paused (fail closed), with the reason', () => {
  for (const bad of ['{"paused":"yes"}', '{"paused":1}', '{not json', '[]']) {
    assert.throws(() => parseQueueConfig(Buffer.from(bad)), DataError, bad);
    const served = servedQueueConfig(Buffer.from(bad));
    assert.equal(served.paused, true, bad);
    assert.ok(served.problem, bad);
  }
  assert.deepEqual(servedQueueConfig(Buffer.from('{"paused":false,"maxRunning":2}')), { paused: false, maxRunning: 2, problem: null });
});
