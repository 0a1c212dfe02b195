import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeJobSpec, MAX_SPEC_BYTES, parseJobSpec } from '../../src/job-spec.js';
import { DataError } from '../../src/errors.js';

const spec = { argv: ['echo', 'hi'], submittedAt: '2026-01-01T00:00:00.000Z', name: 'n', submitter: 'u@h' };

test('a spec survives encode and parse', () => {
  assert.deepEqual(parseJobSpec(encodeJobSpec(spec)), spec);
});

test('bad specs are refused with a reason', () => {
  const cases: [Buffer, RegExp][] = [
    [Buffer.from([0xc3, 0x28]), /not valid UTF-8/],
    [Buffer.from('nope'), /not valid JSON/],
    [Buffer.from('null'), /not a JSON object/],
    [Buffer.from(JSON.stringify({ ...spec, extra: true })), /unknown field "extra"/],
    [Buffer.from(JSON.stringify({ ...spec, argv: [] })), /no command given/],
    [Buffer.from(JSON.stringify({ ...spec, argv: [''] })), /empty string/],
    [Buffer.from(JSON.stringify({ ...spec, argv: ['a\0b'] })), /NUL/],
    [Buffer.from(JSON.stringify({ ...spec, argv: 'echo' })), /array of strings/],
    [Buffer.from(JSON.stringify({ ...spec, name: 3 })), /"name" must be a string/],
    [Buffer.alloc(MAX_SPEC_BYTES + 1, 0x20), /over the limit/],
  ];
  for (const [data, reason] of cases) assert.throws(() => parseJobSpec(data), (e: Error) => e instanceof DataError && reason.test(e.message), String(reason));
});

test('a spec too large for ZooKeeper is refused at encode time, not truncated', () => {
  assert.throws(() => encodeJobSpec({ ...spec, argv: ['x', 'y'.repeat(MAX_SPEC_BYTES)] }), /over the limit/);
});

test("the daemons' history may take a spec znode past the submitter's limit, nothing else may", () => {
  const big = { ...spec, argv: ['x', 'y'.repeat(MAX_SPEC_BYTES - 200)] };
  const runs = Array.from({ length: 20 }, (_, i) => ({ attempt: i + 1, node: 'n'.repeat(100), startedAt: new Date().toISOString(), ended: 'node lost' }));
  const withHistory = Buffer.from(JSON.stringify({ ...big, runs }));
  assert.ok(withHistory.length > MAX_SPEC_BYTES);
  assert.deepEqual(parseJobSpec(withHistory).argv, big.argv);
  const padded = Buffer.from(JSON.stringify({ ...big, name: 'z'.repeat(4000), runs }));
  assert.throws(() => parseJobSpec(padded), /over the limit/);
});
