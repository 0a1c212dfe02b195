import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTable } from '../../../src/cli/zkjobq/table.js';

test('columns align and the last one is ragged', () => {
  assert.equal(formatTable(['A', 'BB', 'C'], [['xxx', 'y', 'long tail'], ['z', '', '']]), 'A    BB  C\nxxx  y   long tail\nz');
});
