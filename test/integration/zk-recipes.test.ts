// The ephemeral-node recipes of src/zk/ephemeral.ts against a real
// ZooKeeper: what counts as our own create, what is ours, what we delete.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStandalone, type ZkCluster } from '../helpers/zk-server.js';
import { connectTo } from '../helpers/zk.js';
import { freshRoot } from '../helpers/cli.js';
import { createEphemeralOnce, deleteIfOwned, ownsEphemeral } from '../../src/zk/ephemeral.js';
import { newClaimRecord } from '../../src/claim.js';
import type { ZkClient } from '../../src/zk/client.js';

let server: ZkCluster;
let zk: ZkClient;
let peer: ZkClient;
const root = freshRoot();

before(async () => {
  server = await startStandalone();
  zk = (await connectTo(server.connectString, root)).zk;
  peer = (await connectTo(server.connectString, root)).zk;
  await zk.mkdirp(root);
});
after(async () => {
  zk?.close();
  peer?.close();
  await server?.stop();
});

test('create once: a node our session already holds for another purpose is not a new win', async () => {
  const path = `${root}/claim-a`;
  assert.equal(await createEphemeralOnce(zk, path, newClaimRecord('n1')), true);
  // Same session, a second create for another run (an alias of the same job): lost.
  assert.equal(await createEphemeralOnce(zk, path, newClaimRecord('n1')), false);
});

test('create once: the same bytes again (a retry after a lost reply) are recognised as our own create', async () => {
  const path = `${root}/claim-b`;
  const record = newClaimRecord('n1');
  assert.equal(await createEphemeralOnce(zk, path, record), true);
  assert.equal(await createEphemeralOnce(zk, path, record), true);
  assert.equal(await createEphemeralOnce(peer, path, record), false, "a peer's session never wins it, whatever the bytes");
});

test('owns and delete-if-owned: only our own ephemeral node, never a peer\'s or a persistent one', async () => {
  const mine = `${root}/mine`;
  const theirs = `${root}/theirs`;
  const persistent = `${root}/persistent`;
  await zk.create(mine, '', 'ephemeral');
  await peer.create(theirs, '', 'ephemeral');
  await zk.create(persistent, '', 'persistent');
  assert.equal(await ownsEphemeral(zk, mine), true);
  assert.equal(await ownsEphemeral(zk, theirs), false);
  assert.equal(await ownsEphemeral(zk, persistent), false);
  assert.equal(await ownsEphemeral(zk, `${root}/absent`), false);
  assert.equal(await deleteIfOwned(zk, theirs), false);
  assert.equal(await deleteIfOwned(zk, persistent), false);
  assert.notEqual(await zk.exists(theirs), null);
  assert.notEqual(await zk.exists(persistent), null);
  assert.equal(await deleteIfOwned(zk, mine), true);
  assert.equal(await zk.exists(mine), null);
  assert.equal(await deleteIfOwned(zk, mine), false, 'already gone: nothing to do');
});

test('request counts: by method and path shape, numbers as N, and a bounded number of shapes', async () => {
  const before = (shape: string) => zk.requestCounts.get(shape) ?? 0;
  const seqShape = `a_exists ${root.replace(/\/[^/]*\d[^/]*/g, '/N')}/jobs/N`;
  const counted = before(seqShape);
  await zk.exists(`${root}/jobs/0000000001`);
  await zk.exists(`${root}/jobs/0000000002`);
  assert.equal(before(seqShape), counted + 2, 'two job numbers, one shape');
  // Names without digits stay as they are: past 500 shapes, new ones count together.
  const letters = (i: number) => Array.from({ length: 3 }, (_, k) => String.fromCharCode(97 + (Math.floor(i / 26 ** k) % 26))).join('');
  for (let i = 0; i < 600; i++) await zk.exists(`/${letters(i)}`);
  assert.ok(zk.requestCounts.size <= 510, `${zk.requestCounts.size} shapes kept`);
  assert.ok((zk.requestCounts.get('a_exists (other paths)') ?? 0) >= 600 - 500, 'the rest counted together');
});
