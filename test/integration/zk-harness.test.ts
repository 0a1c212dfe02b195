// The test harness itself: real servers answer, an ensemble elects one
// leader, survives losing it, and takes a restarted member back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startEnsemble, startStandalone, waitFor } from '../helpers/zk-server.js';

test('a standalone server answers ruok and srvr', async () => {
  const zk = await startStandalone();
  try {
    assert.notEqual(zk.members[0].port, 2181);
    assert.equal(await zk.members[0].fourLetter('ruok'), 'imok');
    assert.equal(await zk.members[0].mode(), 'standalone');
  } finally {
    await zk.stop();
  }
  assert.equal(await zk.members[0].mode(), null, 'stopped means stopped');
});

test('an ensemble of three elects one leader, fails over, and takes a member back', async () => {
  const zk = await startEnsemble(3);
  try {
    const modes = await Promise.all(zk.members.map((m) => m.mode()));
    assert.deepEqual(modes.filter((m) => m === 'leader').length, 1, `modes: ${modes}`);
    assert.deepEqual(modes.filter((m) => m === 'follower').length, 2, `modes: ${modes}`);
    const leader = (await zk.leader())!;
    await leader.kill();
    const next = await waitFor('a new leader', () => zk.leader(), 30_000, 100);
    assert.notEqual(next.id, leader.id);
    await leader.start();
    assert.equal(await waitFor('the old leader to rejoin', () => leader.mode(), 30_000, 100), 'follower');
  } finally {
    await zk.stop();
  }
});
