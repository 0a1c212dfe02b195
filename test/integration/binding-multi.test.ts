// ZkClient.multi over the patched binding's a_multi (zoo_amulti), against a
// real ZooKeeper: every op applies or none does, a failure names its op and
// path with the op's own error class, each op's result comes back in order,
// a create takes its ACL and mode, and a session-bound view never sends a
// multi under a later session.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStandalone, type ZkCluster } from '../helpers/zk-server.js';
import { connectClient, expireSession } from '../helpers/faults.js';
import { freshRoot } from '../helpers/cli.js';
import { PERM, type ZkClient } from '../../src/zk/client.js';
import { BadVersionError, NoAuthError, NodeExistsError, NoNodeError, ZkError } from '../../src/zk/errors.js';
import { SessionChangedError } from '../../src/zk/session-bound.js';

let server: ZkCluster;
let zk: ZkClient;
const root = freshRoot();

before(async () => {
  server = await startStandalone();
  zk = await connectClient(server.connectString);
  await zk.mkdirp(root);
});
after(async () => {
  zk?.close();
  await server?.stop();
});

test('a multi applies every op, in order, and returns what each did', async () => {
  const dir = `${root}/ok`;
  await zk.create(dir, '');
  await zk.create(`${dir}/old`, 'x');
  await zk.create(`${dir}/counter`, '1');
  const results = await zk.multi([
    { op: 'create', path: `${dir}/a`, data: Buffer.from('A') },
    { op: 'create', path: `${dir}/seq-`, data: 'S', mode: 'persistent-sequential' },
    { op: 'create', path: `${dir}/eph`, data: '', mode: 'ephemeral' },
    { op: 'check', path: `${dir}/a`, version: 0 },
    { op: 'set', path: `${dir}/counter`, data: '2', version: 0 },
    { op: 'delete', path: `${dir}/old`, version: 0 },
  ]);
  assert.deepEqual(
    results.map((r) => r.op),
    ['create', 'create', 'create', 'check', 'set', 'delete'],
  );
  assert.deepEqual(results[0], { op: 'create', path: `${dir}/a` });
  const seq = results[1];
  assert.ok(seq?.op === 'create' && /\/seq-\d{10}$/.test(seq.path), `a sequential create returns its name: ${JSON.stringify(seq)}`);
  const set = results[4];
  assert.ok(set?.op === 'set' && set.stat.version === 1, 'a set returns the new stat');
  assert.equal((await zk.get(`${dir}/a`)).data.toString(), 'A');
  assert.equal((await zk.get(`${dir}/counter`)).data.toString(), '2');
  assert.equal((await zk.exists(`${dir}/eph`))?.ephemeralOwner, zk.sessionId, 'the ephemeral create belongs to our session');
  assert.equal(await zk.exists(`${dir}/old`), null);
});

test('a failing op leaves nothing of the others, and the error names it', async () => {
  const dir = `${root}/atomic`;
  await zk.create(dir, '');
  await zk.create(`${dir}/keep`, 'before');
  const failing = zk.multi([
    { op: 'create', path: `${dir}/a`, data: 'A' },
    { op: 'set', path: `${dir}/keep`, data: 'after' },
    { op: 'delete', path: `${dir}/keep-not-there` },
    { op: 'create', path: `${dir}/b`, data: 'B' },
  ]);
  await assert.rejects(failing, (err: unknown) => {
    assert.ok(err instanceof NoNodeError, `the failing op's own class: ${String(err)}`);
    assert.equal(err.path, `${dir}/keep-not-there`);
    assert.deepEqual(err.multiOp, { index: 2, op: 'delete' });
    assert.match(err.message, /op 3 of 4 \(delete\)/);
    return true;
  });
  assert.equal(await zk.exists(`${dir}/a`), null, 'the create before the failing op was not applied');
  assert.equal(await zk.exists(`${dir}/b`), null, 'nor the one after it');
  assert.equal((await zk.get(`${dir}/keep`)).data.toString(), 'before', 'nor the set');
});

test('each failure keeps its class: node exists, bad version of a check and of a delete', async () => {
  const dir = `${root}/classes`;
  await zk.create(dir, '');
  await zk.create(`${dir}/x`, '');
  await assert.rejects(zk.multi([{ op: 'create', path: `${dir}/y`, data: '' }, { op: 'create', path: `${dir}/x`, data: '' }]), (err: unknown) => {
    assert.ok(err instanceof NodeExistsError);
    assert.deepEqual(err.multiOp, { index: 1, op: 'create' });
    return true;
  });
  await assert.rejects(zk.multi([{ op: 'check', path: `${dir}/x`, version: 5 }, { op: 'delete', path: `${dir}/x` }]), (err: unknown) => {
    assert.ok(err instanceof BadVersionError);
    assert.deepEqual(err.multiOp, { index: 0, op: 'check' });
    return true;
  });
  await assert.rejects(zk.multi([{ op: 'delete', path: `${dir}/x`, version: 3 }]), BadVersionError);
  assert.notEqual(await zk.exists(`${dir}/x`), null);
  assert.equal(await zk.exists(`${dir}/y`), null);
});

test("a create takes its ACL in the same transaction, and a refused op refuses the multi", async () => {
  const dir = `${root}/acl`;
  await zk.create(dir, '');
  await zk.multi([{ op: 'create', path: `${dir}/ro`, data: 'r', acl: [{ perms: PERM.READ, scheme: 'world', auth: 'anyone' }] }]);
  assert.deepEqual(await zk.getAcl(`${dir}/ro`), [{ perms: PERM.READ, scheme: 'world', auth: 'anyone' }]);
  await assert.rejects(
    zk.multi([
      { op: 'create', path: `${dir}/other`, data: '' },
      { op: 'set', path: `${dir}/ro`, data: 'w' },
    ]),
    (err: unknown) => err instanceof NoAuthError && err.multiOp?.index === 1 && err.op === 'write',
  );
  assert.equal(await zk.exists(`${dir}/other`), null);
});

test('a path the client refuses fails the multi at once and sends nothing', async () => {
  await assert.rejects(zk.multi([{ op: 'create', path: `${root}/fine`, data: '' }, { op: 'delete', path: 'no-slash' }]), ZkError);
  assert.equal(await zk.exists(`${root}/fine`), null);
  assert.deepEqual(await zk.multi([]), []);
});

test('from a session-bound view, a multi under a later session fails unsent', async () => {
  const renewing = await connectClient(server.connectString, { renew: true });
  try {
    const first = renewing.sessionId;
    const bound = renewing.boundTo(first);
    await bound.multi([{ op: 'create', path: `${root}/bound-1`, data: '' }]);
    const renewed = new Promise<void>((resolve) => renewing.once('session', resolve));
    await expireSession(renewing);
    await renewed;
    assert.notEqual(renewing.sessionId, first);
    await assert.rejects(bound.multi([{ op: 'create', path: `${root}/bound-2`, data: '' }]), SessionChangedError);
    assert.equal(await zk.exists(`${root}/bound-2`), null);
    await renewing.multi([{ op: 'create', path: `${root}/bound-3`, data: '' }]);
  } finally {
    renewing.close();
  }
});

test('many multis in flight at once each get their own results', async () => {
  const dir = `${root}/many`;
  await zk.create(dir, '');
  const outcomes = await Promise.allSettled(
    Array.from({ length: 200 }, (_, i) =>
      zk.multi([
        { op: 'create', path: `${dir}/n${i}`, data: String(i) },
        { op: i % 2 ? 'check' : 'delete', path: `${dir}/absent-${i % 2 ? 'odd' : 'even'}`, version: -1 },
      ]),
    ),
  );
  assert.ok(outcomes.every((o) => o.status === 'rejected' && o.reason instanceof NoNodeError && o.reason.multiOp?.index === 1));
  assert.deepEqual(await zk.children(dir), []);
  const ok = await Promise.all(Array.from({ length: 200 }, (_, i) => zk.multi([{ op: 'create', path: `${dir}/n${i}`, data: String(i) }])));
  assert.deepEqual(
    ok.map((r) => (r[0]?.op === 'create' ? r[0].path : '')),
    Array.from({ length: 200 }, (_, i) => `${dir}/n${i}`),
  );
});
