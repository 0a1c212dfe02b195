import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changedEnough, parseNvidiaSmi, type Hardware } from '../../../src/hardware.js';
import { ActivityCounter, mergeActivity, MINUTES } from '../../../src/activity.js';

const MIB = 2 ** 20;

test('parseNvidiaSmi reads the csv query, with N/A values as null or 0, and skips junk', () => {
  const text = 'Tesla T4, 15360, 100, 0\nNVIDIA H100 80GB HBM3, 81559, [N/A], [Not Supported]\n\ngarbage line\n, 1, 2, 3\n';
  assert.deepEqual(parseNvidiaSmi(text), [
    { name: 'Tesla T4', memTotal: 15360 * MIB, memUsed: 100 * MIB, utilization: 0 },
    { name: 'NVIDIA H100 80GB HBM3', memTotal: 81559 * MIB, memUsed: 0, utilization: null },
  ]);
  assert.deepEqual(parseNvidiaSmi(''), []);
});

test('changedEnough ignores drift and reports what matters', () => {
  const base: Hardware = { cpus: 8, cpuModel: 'x', load: [1, 1, 1], memFree: 8e9, memTotal: 16e9, diskFree: 100e9, diskTotal: 500e9, os: 'l', kernel: 'k', arch: 'x64', hostUptime: 10 };
  assert.equal(changedEnough(null, base), true);
  assert.equal(changedEnough(base, { ...base, load: [1.1, 1, 1], memFree: 8.1e9, hostUptime: 20 }), false);
  assert.equal(changedEnough(base, { ...base, load: [2, 1, 1] }), true);
  assert.equal(changedEnough(base, { ...base, memFree: 4e9 }), true);
  assert.equal(changedEnough(base, { ...base, diskFree: 10e9 }), true);
  const gpu = { name: 'T4', memTotal: 16e9, memUsed: 1e9, utilization: 5 };
  assert.equal(changedEnough(base, { ...base, gpus: [gpu] }), true);
  assert.equal(changedEnough({ ...base, gpus: [gpu] }, { ...base, gpus: [{ ...gpu, utilization: 9 }] }), false);
  assert.equal(changedEnough({ ...base, gpus: [gpu] }, { ...base, gpus: [{ ...gpu, utilization: 50 }] }), true);
});

test('activity counts per minute, slides with the clock, and merges nodes on one hour', () => {
  const t0 = Date.UTC(2026, 0, 1, 12, 0, 30);
  const a = new ActivityCounter(t0);
  a.count('started', t0);
  a.count('started', t0);
  a.count('finished', t0 + 60_000);
  const snap = a.snapshot(t0 + 120_000);
  assert.equal(snap.started.length, MINUTES);
  assert.deepEqual(snap.started.slice(-3), [2, 0, 0]);
  assert.deepEqual(snap.finished.slice(-3), [0, 1, 0]);
  // A node that published two minutes earlier lines up on the same minutes.
  const merged = mergeActivity([snap, { minute: snap.minute - 2, started: [5], finished: [0] }], snap.minute);
  assert.deepEqual(merged.started.slice(-3), [7, 0, 0]);
  assert.equal(mergeActivity([snap], snap.minute + 120).started.reduce((x, y) => x + y, 0), 0, 'old counts fall off the hour');
});
