import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkJobEnv, refusedReason } from '../../src/refused-env.js';
import { parseJobSpec } from '../../src/job-spec.js';
import { DataError } from '../../src/errors.js';

test('variables that make a shell, the loader or an interpreter run code are refused', () => {
  for (const name of ['BASH_ENV', 'ENV', 'SHELLOPTS', 'PS4', 'LD_PRELOAD', 'LD_LIBRARY_PATH', 'LD_AUDIT', 'GCONV_PATH', 'NODE_OPTIONS', 'PYTHONSTARTUP', 'PERL5OPT', 'JAVA_TOOL_OPTIONS']) {
    assert.ok(refusedReason(name), name);
  }
  for (const name of ['PATH', 'HOME', 'PYTHONPATH', 'CLASSPATH', 'LANG', 'env', 'ld_preload']) assert.equal(refusedReason(name), null, name);
  assert.throws(() => checkJobEnv({ OK: '1', BASH_ENV: '/x' }), (err: Error) => err instanceof DataError && /^environment variable BASH_ENV is refused: bash runs that file before any script; set it inside the command instead/.test(err.message));
  assert.doesNotThrow(() => checkJobEnv(undefined));
});

test('a spec written into ZooKeeper with such a variable does not parse', () => {
  const data = Buffer.from(JSON.stringify({ argv: ['true'], env: { LD_PRELOAD: '/tmp/evil.so' }, submittedAt: 'x' }));
  assert.throws(() => parseJobSpec(data), /environment variable LD_PRELOAD is refused/);
});
