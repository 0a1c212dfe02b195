// zkjobq drain/undrain against a real zkjobd: a drained node lets the job it
// runs finish and publish, claims nothing new, shows as draining and then
// drained in `zkjobq nodes`, stays drained across a restart of its daemon,
// and claims again once undrained. A drain request someone else wrote with
// garbage in it drains all the same, said in one log line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { standaloneFixture } from '../helpers/fixture.js';
import { waitFor } from '../helpers/zk-server.js';
import { freshRoot, ok, run, runningOnNode, startDaemon } from '../helpers/cli.js';
import { connectTo } from '../helpers/zk.js';
import { ZkProxy } from '../helpers/zk-proxy.js';
import { digestId } from '../../src/acl.js';
import { ZkClient } from '../../src/zk/client.js';
import { NoAuthError } from '../../src/zk/errors.js';

const fixture = standaloneFixture();

/** How long a job must stay pending for "nothing was claimed" to mean something: several claim passes and node-record writes. */
const QUIET_MS = 4_000;

function session(root: string) {
  const conn = ['--zk', fixture.zk().connectString, '--root', root];
  const status = async (id: string) => JSON.parse(await ok('zkjobc', ['status', ...conn, '--json', id]));
  /** The STATE column of `zkjobq nodes` for one node, or null when it is not listed. */
  const nodeState = async (node: string): Promise<string | null> => {
    const rows = (await ok('zkjobq', ['nodes', ...conn])).trim().split('\n').slice(1).map((l) => l.split(/\s+/));
    return rows.find((r) => r[0] === node)?.[1] ?? null;
  };
  /** Asserts the job stays pending (never claimed) for QUIET_MS, polling all along. */
  const staysPending = async (id: string, why: string) => {
    const until = Date.now() + QUIET_MS;
    while (Date.now() < until) {
      const s = await status(id);
      assert.equal(s.state, 'pending', `${id} stays pending ${why}; it is ${s.state} on ${s.node}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  return { conn, status, nodeState, staysPending };
}

test('a drained node finishes its running job, claims nothing new across a restart, and claims again when undrained', { timeout: 180_000 }, async () => {
  const root = freshRoot();
  const { conn, status, nodeState, staysPending } = session(root);
  const start = async () => {
    const d = await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'n1', slots: 1 });
    fixture.daemons.push(d);
    return d;
  };
  let daemon = await start();
  // The running job ends when the test says so, not after a guessed time.
  const gate = path.join(mkdtempSync(path.join(os.tmpdir(), 'zkjobs-drain-')), 'go');
  const running = (await ok('zkjobc', ['submit', ...conn, '--', 'sh', '-c', `while [ ! -e ${gate} ]; do sleep 0.1; done`])).trim();
  await waitFor('the first job to run', async () => (await status(running)).state === 'running', 20_000);
  // The node's record lists its jobs a moment after their claims (writes are coalesced over a second): drain reads the record.
  await waitFor('the node record to list the running job', async () => (await runningOnNode(conn, 'n1')).length === 1, 20_000);
  assert.equal(await nodeState('n1'), 'up');

  const drained = await run('zkjobq', ['drain', ...conn, 'n1', '--reason', 'disk swap']);
  assert.equal(drained.code, 0, drained.stderr);
  assert.equal(drained.stdout, 'n1: draining, 1 job still running\n');
  assert.equal(drained.stderr, '', 'a live node draws no warning');
  await waitFor('nodes to show n1 draining', async () => (await nodeState('n1')) === 'draining', 10_000, 200);
  await daemon.waitForLog(/drained: claiming no new jobs; running jobs finish .*by=\S+@\S+ .*reason="disk swap"/);
  const json = JSON.parse(await ok('zkjobq', ['nodes', ...conn, '--json']));
  assert.equal(json.record.draining, true);
  assert.equal(json.drain.request.reason, 'disk swap', 'nodes --json says why a node is drained');

  const next = (await ok('zkjobc', ['submit', ...conn, '--', 'true'])).trim();
  writeFileSync(gate, '');
  const first = await waitFor('the running job to finish and publish', async () => {
    const s = await status(running);
    return s.state === 'succeeded' ? s : null;
  }, 20_000);
  assert.equal(first.node, 'n1');
  await waitFor('nodes to show n1 drained', async () => (await nodeState('n1')) === 'drained', 10_000, 200);
  await staysPending(next, 'on a drained node');
  assert.equal((await status(next)).reason, 'every node serving queue default is drained (zkjobq undrain NODE)');

  // Restarted, the daemon reads its drain before it claims anything.
  await daemon.stop();
  daemon = await start();
  await daemon.waitForLog(/drained: claiming no new jobs/);
  await waitFor('nodes to show the restarted n1 drained', async () => (await nodeState('n1')) === 'drained', 10_000, 200);
  await staysPending(next, 'after a restart of the drained node');

  assert.equal(await ok('zkjobq', ['undrain', ...conn, 'n1']), 'n1: undrained\n');
  const after = await waitFor('the waiting job to run once undrained', async () => {
    const s = await status(next);
    return s.state === 'succeeded' ? s : null;
  }, 20_000);
  assert.equal(after.node, 'n1');
  await daemon.waitForLog(/undrained: claiming jobs again/);
  await waitFor('nodes to show n1 up', async () => (await nodeState('n1')) === 'up', 10_000, 200);
  assert.ok(existsSync(gate));
});

test('a drain request with garbage in it drains, said once in the log, until undrained', { timeout: 120_000 }, async () => {
  const root = freshRoot();
  const { conn, status, nodeState, staysPending } = session(root);
  const { zk, paths } = await connectTo(fixture.zk().connectString, root);
  try {
    // Written by someone else, before the node ever started: not JSON, not UTF-8.
    await zk.mkdirp(paths.drains());
    await zk.create(paths.drain('n2'), Buffer.from([0x7b, 0xff, 0x00, 0x21]));
  } finally {
    zk.close();
  }
  const daemon = await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'n2', slots: 2 });
  fixture.daemons.push(daemon);
  await daemon.waitForLog(/drained: claiming no new jobs/);
  const id = (await ok('zkjobc', ['submit', ...conn, '--', 'true'])).trim();
  await waitFor('nodes to show n2 drained', async () => (await nodeState('n2')) === 'drained', 10_000, 200);
  await staysPending(id, 'on a node drained by an unreadable request');
  const said = daemon.log.split('\n').filter((l) => /drain request of this node is unreadable/.test(l));
  assert.equal(said.length, 1, `one log line for the bad request:\n${said.join('\n')}`);
  assert.match(said[0], /zkjobq undrain n2/);

  assert.equal(await ok('zkjobq', ['undrain', ...conn, 'n2']), 'n2: undrained\n');
  const done = await waitFor('the job to run once undrained', async () => {
    const s = await status(id);
    return s.state === 'succeeded' ? s : null;
  }, 20_000);
  assert.equal(done.node, 'n2');
});

test('drain of a node that is not running warns and takes effect when it starts; bad names change nothing', { timeout: 120_000 }, async () => {
  const root = freshRoot();
  const { conn, nodeState } = session(root);
  const early = await run('zkjobq', ['drain', ...conn, 'later']);
  assert.equal(early.code, 0, early.stderr);
  assert.equal(early.stdout, 'later: drained\n');
  assert.equal(early.stderr, 'zkjobq: node later is not running now; it will start drained\n');

  const bad = await run('zkjobq', ['drain', ...conn, 'later', '../x']);
  assert.equal(bad.code, 65);
  assert.equal(bad.stdout, '');
  assert.match(bad.stderr, /^zkjobq: invalid node name "\.\.\/x"/);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);

  const again = await run('zkjobq', ['undrain', ...conn, 'never-drained']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, 'never-drained: undrained\n');
  assert.equal(again.stderr, 'zkjobq: node never-drained was not drained\n');

  const listed = await run('zkjobq', ['nodes', ...conn]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.equal(listed.stderr, 'zkjobq: drained, not running: later (zkjobq undrain NODE)\n');

  const daemon = await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'later', slots: 1 });
  fixture.daemons.push(daemon);
  assert.equal(await nodeState('later'), 'drained', 'the first record a drained node writes says so');
  const waited = await run('zkjobq', ['drain', ...conn, 'later', '--wait'], { timeoutMs: 20_000 });
  assert.equal(waited.code, 0, waited.stderr);
  assert.equal(waited.stdout, 'later: drained\n');
});

test('once the fleet has identities only its admins drain and undrain, and init closes requests made before', { timeout: 120_000 }, async () => {
  const root = freshRoot();
  const { conn } = session(root);
  const secret = (who: string) => `${who}:pw-${who}`;
  const as = (who: string) => ({ env: { ZKJOBS_ZK_AUTH: secret(who) } });
  // Made while the fleet was open: init must close it too.
  await ok('zkjobq', ['drain', ...conn, 'old'], as('anyone'));
  await ok('zkjobq', ['init', ...conn, '--daemons', digestId(secret('worker')), '--admins', digestId(secret('root'))], as('root'));

  for (const who of ['anyone', 'worker']) {
    for (const [verb, node] of [['drain', 'n1'], ['undrain', 'old']]) {
      const r = await run('zkjobq', [verb, ...conn, node], as(who));
      assert.equal(r.code, 77, `${who} ${verb}: ${r.stderr}`);
      assert.equal(r.stderr, `zkjobq: not authorized to drain or undrain node ${node}: this identity is not among the fleet's admins (zkjobq init --admins)\n`);
    }
  }
  const anon = await ZkClient.connect({ connect: fixture.zk().connectString, connectTimeoutMs: 10_000 });
  const { paths } = await connectTo(fixture.zk().connectString, root).then((c) => (c.zk.close(), c));
  try {
    await assert.rejects(anon.set(paths.drain('old'), 'garbage'), (err) => err instanceof NoAuthError, 'nobody but admins rewrites a request');
    assert.ok(await anon.exists(paths.drain('old')), 'old is still drained');
    assert.equal(await anon.exists(paths.drain('n1')), null, 'n1 was never drained');
    // An older fleet, initialised before drains existed: no parent yet. A non-admin must not make an open one.
    await ok('zkjobq', ['undrain', ...conn, 'old'], as('root'));
    const admin = await ZkClient.connect({ connect: fixture.zk().connectString, connectTimeoutMs: 10_000, auth: secret('root') });
    await admin.delete(paths.drains()).finally(() => admin.close());
    const r = await run('zkjobq', ['drain', ...conn, 'n1'], as('anyone'));
    assert.equal(r.code, 77, r.stderr);
    assert.equal(r.stderr, "zkjobq: not authorized to drain nodes: the fleet's identities are set (zkjobq init) and this identity is not among its admins\n");
    assert.equal(await anon.exists(paths.drains()), null, 'no open drains parent was made');
  } finally {
    anon.close();
  }
  assert.equal(await ok('zkjobq', ['drain', ...conn, 'n1'], as('root')), 'n1: drained\n');
  assert.equal(await ok('zkjobq', ['undrain', ...conn, 'n1'], as('root')), 'n1: undrained\n');
});

test('a daemon stopping on SIGTERM shows as draining while its jobs finish, and submit warns that nobody claims', { timeout: 120_000 }, async () => {
  const root = freshRoot();
  const { conn, status, nodeState } = session(root);
  const daemon = await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'leaving', slots: 1, args: ['--stop-grace', '60s'] });
  fixture.daemons.push(daemon);
  const gate = path.join(mkdtempSync(path.join(os.tmpdir(), 'zkjobs-drain-')), 'go');
  const running = (await ok('zkjobc', ['submit', ...conn, '--', 'sh', '-c', `while [ ! -e ${gate} ]; do sleep 0.1; done`])).trim();
  await waitFor('the job to run', async () => (await status(running)).state === 'running', 20_000);
  daemon.signal('SIGTERM');
  await daemon.waitForLog(/stopping: no new claims/);
  await waitFor('nodes to show the stopping node draining', async () => (await nodeState('leaving')) === 'draining', 10_000, 200);
  const submitted = await run('zkjobc', ['submit', ...conn, '--', 'true']);
  assert.equal(submitted.code, 0, submitted.stderr);
  assert.match(submitted.stderr, /no live zkjobd serves queue default/);
  writeFileSync(gate, '');
  assert.deepEqual(await daemon.exited, { code: 0, signal: null });
  assert.equal((await status(running)).state, 'succeeded');
});

test('zkjobq check reports open, foreign and unreadable drains, and --repair closes the open ones', { timeout: 120_000 }, async () => {
  const root = freshRoot();
  const { conn } = session(root);
  const secret = (who: string) => `${who}:pw-${who}`;
  const as = (who: string) => ({ env: { ZKJOBS_ZK_AUTH: secret(who) } });
  await ok('zkjobq', ['init', ...conn, '--daemons', digestId(secret('worker')), '--admins', digestId(secret('root'))], as('root'));
  await ok('zkjobq', ['drain', ...conn, 'n1', 'n2'], as('root'));
  const admin = await ZkClient.connect({ connect: fixture.zk().connectString, connectTimeoutMs: 10_000, auth: secret('root') });
  const { paths } = await connectTo(fixture.zk().connectString, root).then((c) => (c.zk.close(), c));
  const OPEN = [{ perms: 31, scheme: 'world', auth: 'anyone' }];
  try {
    // What an older zkjobs, or someone else, left: open znodes, garbage, a name that is no node id.
    await admin.setAcl(paths.drains(), OPEN);
    await admin.setAcl(paths.drain('n1'), OPEN);
    await admin.set(paths.drain('n2'), 'not json');
    await admin.create(paths.drain('..bad'), '');
    const found = await run('zkjobq', ['check', ...conn, '--json'], as('root'));
    assert.equal(found.code, 1, found.stderr);
    const kinds = JSON.parse(found.stdout).findings.map((f: { kind: string; znode: string }) => `${f.kind} ${f.znode}`).sort();
    assert.deepEqual(kinds, ['drain-bad-name drains/..bad', 'drain-open-acl drains/n1', 'drain-unparseable drains/n2', 'drains-open-acl drains']);
    const repaired = await run('zkjobq', ['check', ...conn, '--repair'], as('root'));
    assert.equal((repaired.stdout.match(/^repaired \(fleet\) drains?-open-acl .*: ACL set$/gm) ?? []).length, 2, repaired.stdout);
    const anon = await ZkClient.connect({ connect: fixture.zk().connectString, connectTimeoutMs: 10_000 });
    try {
      await assert.rejects(anon.delete(paths.drain('n1')), (err) => err instanceof NoAuthError, 'nobody but admins undrains after the repair');
      await assert.rejects(anon.create(paths.drain('n3'), ''), (err) => err instanceof NoAuthError, 'nobody but admins drains after the repair');
    } finally {
      anon.close();
    }
    // What is left is said, not repaired: removing it would undrain n2, or touch a znode zkjobs does not own.
    const left = JSON.parse((await run('zkjobq', ['check', ...conn, '--json'], as('root'))).stdout).findings.map((f: { kind: string }) => f.kind).sort();
    assert.deepEqual(left, ['drain-bad-name', 'drain-unparseable']);
  } finally {
    admin.close();
  }
});

test('a drain and an undrain made while the daemon is cut off from ZooKeeper take effect when it is back', { timeout: 120_000 }, async (t) => {
  const root = freshRoot();
  const { conn, status, nodeState, staysPending } = session(root);
  const proxy = await ZkProxy.start(fixture.zk().connectString);
  t.after(() => proxy.close());
  // A session long enough to outlast the cuts: the same session comes back, with its watches.
  const daemon = await startDaemon({ zk: proxy.connectString, root, nodeId: 'far', slots: 1, args: ['--session-timeout', '30s'] });
  fixture.daemons.push(daemon);
  // A timeout says what the daemon said: this test's failures are about its connection.
  const withLog = <T>(p: Promise<T>) => p.catch((err: Error) => Promise.reject(new Error(`${err.message}\n${daemon.log}`)));
  const cutOff = async () => {
    const lost = (daemon.log.match(/connection lost/g) ?? []).length;
    proxy.refuse(true);
    proxy.cut();
    await withLog(waitFor('the daemon to notice', () => (daemon.log.match(/connection lost/g) ?? []).length > lost, 30_000, 100));
  };
  const back = async () => {
    const count = (daemon.log.match(/connection back, same session/g) ?? []).length;
    proxy.refuse(false);
    await withLog(waitFor('the daemon to reconnect', () => (daemon.log.match(/connection back, same session/g) ?? []).length > count, 30_000, 100));
  };

  await cutOff();
  await ok('zkjobq', ['drain', ...conn, 'far']);
  await back();
  await daemon.waitForLog(/drained: claiming no new jobs/);
  await withLog(waitFor('nodes to show far drained', async () => (await nodeState('far')) === 'drained', 10_000, 200));
  const id = (await ok('zkjobc', ['submit', ...conn, '--', 'true'])).trim();
  await staysPending(id, 'on a node drained while it was away');

  await cutOff();
  await ok('zkjobq', ['undrain', ...conn, 'far']);
  await back();
  const done = await waitFor('the job to run once undrained', async () => {
    const s = await status(id);
    return s.state === 'succeeded' ? s : null;
  }, 20_000);
  assert.equal(done.node, 'far');
});
