import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSize } from '../../../src/cli/zkjobd/options.js';
import { purgeFilter } from '../../../src/cli/zkjobq/purge.js';
import { shortAge } from '../../../src/cli/zkjobq/list.js';

test('sizes and ages as operators read them', () => {
  assert.equal(parseSize('4096', 'x'), 4096);
  assert.equal(parseSize('64M', 'x'), 64 * 1024 * 1024);
  assert.equal(parseSize('1g', 'x'), 1024 ** 3);
  assert.throws(() => parseSize('lots', 'x'), /invalid x 'lots'/);
  assert.deepEqual([shortAge(5), shortAge(600), shortAge(7200), shortAge(200_000)], ['5s', '10m', '2h', '2d']);
});

test('purge filters by state and age', () => {
  const all = purgeFilter('all', undefined, false, 1_000_000);
  assert.deepEqual([all.pending, all.finished, all.before], [true, ['succeeded', 'failed', 'cancelled'], null]);
  const failed = purgeFilter('failed', '10s', true, 1_000_000);
  assert.deepEqual([failed.pending, failed.finished, failed.before, failed.dryRun], [false, ['failed'], 990_000, true]);
  assert.deepEqual(purgeFilter('pending', undefined, false).finished, []);
});
