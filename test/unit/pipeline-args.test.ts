import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitPipeline } from '../../src/pipeline-args.js';
import { UsageError } from '../../src/errors.js';

test('a lone | separates stages; \\| is a literal; another token can be chosen', () => {
  assert.deepEqual(splitPipeline(['sort', 'data', '|', 'uniq', '-c']), [['sort', 'data'], ['uniq', '-c']]);
  assert.deepEqual(splitPipeline(['echo', '\\|', 'x|y']), [['echo', '|', 'x|y']]);
  assert.deepEqual(splitPipeline(['echo', '|', '::', 'cat'], '::'), [['echo', '|'], ['cat']]);
  for (const bad of [[], ['|', 'cat'], ['echo', '|'], ['a', '|', '|', 'b']]) assert.throws(() => splitPipeline(bad), UsageError, bad.join(' '));
});
