import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBatchLine } from '../../src/batch.js';

test('a batch line is an argv array or a spec object', () => {
  assert.deepEqual(parseBatchLine('["echo","a b"]', 'u@h').argv, ['echo', 'a b']);
  const spec = parseBatchLine('{"argv":["true"],"name":"x"}', 'u@h');
  assert.deepEqual([spec.argv, spec.name, spec.submitter], [['true'], 'x', 'u@h']);
});

test('bad batch lines are refused with a reason', () => {
  for (const [line, reason] of [['[]', /no command/], ['[1]', /array of strings/], ['echo hi', /not valid JSON/], ['{"argv":["x"],"colour":"red"}', /unknown field "colour"/], ['{"argv":["x"],"submitter":"me"}', /may not set/], ['"x"', /not a JSON object/]] as const) {
    assert.throws(() => parseBatchLine(line, 'u@h'), reason, line);
  }
});
