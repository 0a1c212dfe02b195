import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pipefail } from '../../../src/daemon/runner.js';

const ok = { exitCode: 0, signal: undefined, failed: false, code: undefined };

test('pipefail: the rightmost failing stage decides', () => {
  assert.deepEqual(pipefail([ok, ok]), { exitCode: 0, signal: null, reason: null });
  assert.deepEqual(pipefail([{ ...ok, exitCode: 3, failed: true }, ok]), { exitCode: 3, signal: null, reason: null });
  assert.deepEqual(pipefail([{ ...ok, exitCode: 3, failed: true }, { ...ok, exitCode: 1, failed: true }]), { exitCode: 1, signal: null, reason: null });
  assert.deepEqual(pipefail([ok, { ...ok, exitCode: undefined, signal: 'SIGKILL', failed: true }]), { exitCode: null, signal: 'SIGKILL', reason: null });
});

test('a stage that cannot start gives the shell codes 127 and 126', () => {
  const missing = { exitCode: undefined, signal: undefined, failed: true, code: 'ENOENT' };
  assert.deepEqual(pipefail([ok, missing]), { exitCode: 127, signal: null, reason: 'cannot start command: ENOENT' });
  assert.equal(pipefail([{ ...missing, code: 'EACCES' }]).exitCode, 126);
});
