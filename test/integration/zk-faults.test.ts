// The fault helpers that the protocol's crash tests rely on, checked against
// a real server: an expired session is really gone (its ephemeral node with
// it), a lost connection really keeps the session (and its ephemeral node),
// and a trapped reply really leaves the client uncertain about a write the
// server applied.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { ConnectionLossError, NodeExistsError } from '../../src/zk/errors.js';
import { ZkClient } from '../../src/zk/client.js';
import { closeProxies, connectClient, connectThroughProxy, expireSession, loseConnection } from '../helpers/faults.js';
import { OP } from '../helpers/zk-proxy.js';
import { cleanup, startStandalone, waitFor, type ZkCluster } from '../helpers/zk-server.js';

let cluster: ZkCluster;
let observer: ZkClient;
const clients: ZkClient[] = [];

before(async () => {
  cluster = await startStandalone();
  observer = await connectClient(cluster.connectString);
});

after(async () => {
  for (const zk of [observer, ...clients]) zk?.close();
  await closeProxies();
  await cleanup();
});

function keep<T extends ZkClient>(zk: T): T {
  clients.push(zk);
  return zk;
}

test('expireSession ends the session in the server and the client hears of it', async () => {
  const zk = keep(await connectClient(cluster.connectString));
  await zk.create('/expire-me', 'x', 'ephemeral');
  const owner = (await observer.exists('/expire-me'))!.ephemeralOwner;
  assert.equal(owner, zk.sessionId);

  await expireSession(zk);
  assert.equal(zk.state, 'closed', 'without renew an expired client is closed');
  assert.equal(await observer.exists('/expire-me'), null, 'the ephemeral node went with the session');
});

test('expireSession on a renewing client leads to a new session', async () => {
  const zk = keep(await connectClient(cluster.connectString, { renew: true }));
  const before = zk.sessionId;
  const renewed = once(zk, 'session');
  await expireSession(zk);
  await renewed;
  assert.notEqual(zk.sessionId, before);
  await zk.create('/after-renew', 'x', 'ephemeral');
  assert.equal((await observer.exists('/after-renew'))!.ephemeralOwner, zk.sessionId);
});

test('expireSession works on a client connected through a proxy', async () => {
  const { zk } = await connectThroughProxy(cluster.connectString);
  keep(zk);
  await zk.create('/expire-proxied', 'x', 'ephemeral');
  await expireSession(zk);
  assert.equal(await observer.exists('/expire-proxied'), null);
});

test('loseConnection drops the connection and keeps the session', async () => {
  const { zk, proxy } = await connectThroughProxy(cluster.connectString);
  keep(zk);
  await zk.create('/survive', 'x', 'ephemeral');
  const session = zk.sessionId;
  let expired = false;
  zk.on('expired', () => (expired = true));

  await loseConnection(zk);
  assert.equal(zk.state, 'connected');
  assert.equal(zk.sessionId, session);
  assert.equal(proxy.open, 1, 'the client reconnected through the proxy');
  assert.equal((await observer.exists('/survive'))!.ephemeralOwner, session, 'the ephemeral node is still ours');
  assert.equal(expired, false);
});

test('loseConnection with downMs keeps the client out that long', async () => {
  const { zk } = await connectThroughProxy(cluster.connectString, { sessionTimeoutMs: 10_000 });
  keep(zk);
  const started = Date.now();
  await loseConnection(zk, { reconnect: false, downMs: 1_500 });
  assert.equal(zk.state, 'disconnected');
  await assert.rejects(zk.exists('/'), ConnectionLossError, 'no request gets through while refused');
  await waitFor('the client to reconnect', () => zk.state === 'connected', 15_000);
  assert.ok(Date.now() - started >= 1_500, 'it stayed out for downMs');
  assert.notEqual(await zk.exists('/'), null);
});

test('a trapped reply: the server applied the create, the client got a connection loss', async () => {
  const { zk, proxy } = await connectThroughProxy(cluster.connectString);
  keep(zk);
  const trap = proxy.trap((r) => r.op === OP.create && r.path === '/lost-reply', 'reply');
  await assert.rejects(zk.create('/lost-reply', 'x'), ConnectionLossError);
  assert.deepEqual(await trap.sprung, { op: OP.create, path: '/lost-reply' });
  assert.notEqual(await observer.exists('/lost-reply'), null, 'the create was applied');
  await waitFor('the client to reconnect', () => zk.state === 'connected', 15_000);
});

test('a trapped request: the server never saw the create', async () => {
  const { zk, proxy } = await connectThroughProxy(cluster.connectString);
  keep(zk);
  proxy.trap((r) => r.op === OP.create && r.path === '/lost-request', 'request');
  await assert.rejects(zk.create('/lost-request', 'x'), ConnectionLossError);
  await waitFor('the client to reconnect', () => zk.state === 'connected', 15_000);
  assert.equal(await observer.exists('/lost-request'), null, 'the create was never applied');
  // Other requests pass untouched, before and after.
  await zk.create('/lost-request', 'y');
  assert.equal(String((await zk.get('/lost-request')).data), 'y');
});

test('a held request reaches the server only when released, after what the test did meanwhile', async () => {
  const { zk, proxy } = await connectThroughProxy(cluster.connectString);
  keep(zk);
  const hold = proxy.hold((r) => r.op === OP.create && r.path === '/held');
  const create = zk.create('/held', 'late');
  await hold.held;
  await observer.create('/held', 'first');
  hold.release();
  await assert.rejects(create, NodeExistsError, 'the peer got there first');
  assert.equal(String((await zk.get('/held')).data), 'first');
  assert.equal(zk.state, 'connected');
});
