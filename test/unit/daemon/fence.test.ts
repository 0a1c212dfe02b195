// The fence's timings (src/daemon/fence.ts): every job is KILLed before the
// server may expire the session, however long the configured kill grace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fenceWindow } from '../../../src/daemon/fence.js';

test('default settings: heartbeat after 1 s of silence, TERM after 4 s, KILL after 9 s of a 10 s session', () => {
  assert.deepEqual(fenceWindow(10_000, 5_000), { heartbeatMs: 1_000, termAfterMs: 4_000, killAfterMs: 9_000, graceMs: 5_000 });
});

test('a kill grace that does not fit is shortened: TERM never before a third of the session timeout', () => {
  const w = fenceWindow(10_000, 30_000);
  assert.equal(w.killAfterMs, 9_000);
  assert.equal(w.graceMs, 5_666);
  assert.equal(w.termAfterMs, 3_334);
});

test('the KILL comes at least a second before the session timeout (a quarter of short ones), and a tenth of it for long sessions', () => {
  for (const t of [1_000, 2_000, 4_000, 10_000, 30_000, 60_000]) {
    for (const grace of [0, 1_000, 5_000, 60_000]) {
      const w = fenceWindow(t, grace);
      assert.ok(w.killAfterMs <= t - Math.max(Math.min(1_000, t / 4), t / 10), `session ${t}, grace ${grace}: KILL at ${w.killAfterMs}`);
      assert.ok(w.killAfterMs >= t / 2, `session ${t}: jobs may run through a short silence`);
      assert.ok(w.graceMs >= 0 && w.graceMs <= grace, `session ${t}, grace ${grace}: grace ${w.graceMs}`);
      assert.equal(w.termAfterMs + w.graceMs, w.killAfterMs);
      assert.ok(w.termAfterMs >= 3 * w.heartbeatMs, `session ${t}, grace ${grace}: three heartbeats before the TERM`);
    }
  }
});
