import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from '../../src/duration.js';
import { UsageError } from '../../src/errors.js';

test('durations as operators write them', () => {
  assert.equal(parseDuration('90'), 90_000);
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('1.5s'), 1_500);
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('1d'), 86_400_000);
  for (const bad of ['', 'soon', '-1s', '5x', '1 h']) assert.throws(() => parseDuration(bad), UsageError, bad);
});

test('durations are shown in at most two units', () => {
  const cases: [number, string][] = [[0, '0s'], [41.7, '41s'], [59, '59s'], [60, '1m00s'], [725, '12m05s'], [8940, '2h29m'], [86_399, '23h59m'], [277_200, '3d5h'], [-4, '0s']];
  for (const [seconds, text] of cases) assert.equal(formatDuration(seconds), text, `${seconds}s`);
});
