import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { closeLast, historyForResult, MAX_RUNS, runsInSpec, trimRuns, withRuns, type Run } from '../../src/attempt-history.js';
import { signFields, verifyFields } from '../../src/signature.js';
import { encodeJson } from '../../src/record.js';

const run = (attempt: number, extra: Partial<Run> = {}): Run => ({ attempt, node: `n${attempt}`, startedAt: `2026-12-01T00:00:0${attempt % 10}Z`, ...extra });

test('hostile or corrupt history entries are dropped, never fatal', () => {
  const data = Buffer.from(JSON.stringify({ argv: ['true'], submittedAt: 'x', runs: [run(1), 'junk', { attempt: 'two' }, null, run(3, { exitCode: 3, ended: 'x'.repeat(500) })] }));
  const runs = runsInSpec(data);
  assert.deepEqual(runs.map((r) => r.attempt), [1, 3]);
  assert.equal(runs[1].ended!.length, 200);
  assert.deepEqual(runsInSpec(Buffer.from('{"argv":["true"],"runs":"nope"}')), []);
  assert.deepEqual(runsInSpec(Buffer.from('garbage')), []);
});

test('the history keeps its first and latest attempts within MAX_RUNS', () => {
  const runs = Array.from({ length: 60 }, (_, i) => run(i + 1));
  const kept = trimRuns(runs);
  assert.equal(kept.length, MAX_RUNS);
  assert.deepEqual(kept.slice(0, 4).map((r) => r.attempt), [1, 2, 3, 4]);
  assert.equal(kept.at(-1)!.attempt, 60);
});

test('closing an attempt touches only an open last one', () => {
  const closed = closeLast([run(1)], { ended: 'node lost', rerun: 'node lost' });
  assert.equal(closed[0].ended, 'node lost');
  assert.equal(closeLast(closed, { ended: 'again' })[0].ended, 'node lost');
});

test('a result carries history only after more than one attempt', () => {
  const last = { attempt: 1, node: 'a', startedAt: 's', finishedAt: 'f', exitCode: 0, signal: null, ended: 'succeeded' };
  assert.equal(historyForResult([run(1)], last), undefined);
  const h = historyForResult([run(1, { ended: 'node lost' }), run(2)], { ...last, attempt: 2 })!;
  assert.deepEqual(h.map((r) => [r.attempt, r.ended]), [[1, 'node lost'], [2, 'succeeded']]);
});

test("adding history leaves the submitter's signature valid", () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const id = { queue: 'q', seq: 7 };
  const fields = { argv: ['true'], submittedAt: '2026-12-01T00:00:00Z' };
  const signature = signFields('spec', id, fields, privateKey);
  const stored = withRuns(encodeJson({ ...fields, signature }), [run(1), run(2)]);
  const decoded = JSON.parse(stored.toString());
  assert.equal(decoded.runs.length, 2);
  assert.ok(verifyFields('spec', id, decoded, signature));
  assert.ok(!verifyFields('spec', id, { ...decoded, argv: ['false'] }, signature), 'the rest is still covered');
});
