import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeResult, parseResult, shellStatus, type JobResult } from '../../src/result.js';

const result: JobResult = {
  state: 'failed', exitCode: 3, signal: null, reason: null, node: 'n1', attempt: 1,
  startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:01.000Z', stdoutTail: 'o', stderrTail: 'e',
  spec: { argv: ['sh', '-c', 'exit 3'], submittedAt: '2026-01-01T00:00:00.000Z' },
};

test('results round-trip and unknown states are refused', () => {
  assert.deepEqual(parseResult(encodeResult(result)), result);
  assert.throws(() => parseResult(Buffer.from(JSON.stringify({ ...result, state: 'maybe' }))), /unknown state/);
  assert.throws(() => parseResult(Buffer.from(JSON.stringify({ ...result, spec: { argv: [] } }))), /job result: /);
  assert.equal(parseResult(Buffer.from(JSON.stringify({ ...result, spec: null }))).spec, null);
});

test('exit status follows the shell: code, or 128 + signal number', () => {
  assert.equal(shellStatus(0, null), 0);
  assert.equal(shellStatus(3, null), 3);
  assert.equal(shellStatus(null, 'SIGKILL'), 137);
  assert.equal(shellStatus(null, 'SIGTERM'), 143);
  assert.equal(shellStatus(null, null), 1);
});
