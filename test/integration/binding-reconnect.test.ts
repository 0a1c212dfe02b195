// A request sent into a connection that has just died must fail with a
// connection loss, and the handle must say that it lost the connection and,
// once a server answers again, that it got it back. zkjobd stops claiming on
// the first and publishes its spooled results and re-arms its watches on the
// second: without them a daemon kept its claims alive for ever around jobs
// that had long finished (ensemble-failover), or never logged its way back
// (watch-churn).
//
// Before the fix the C client, when the send of a new request failed (the
// server's end was gone, the poll had not told us yet), closed its socket
// itself and said nothing: no "connecting" session event, so no
// "reconnected" ever after; the requests in flight were failed only if the
// next connection attempt failed, and hung until the receive timeout (2/3 of
// the session timeout) when it succeeded at once.
//
// The order is made on purpose: inside a completion (the binding has not
// polled the socket since) the server end goes, and requests are sent into
// the dead connection in the check phase that follows, before any poll. A
// stress round then restarts ZooKeeper under a stream of requests.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { cleanup, startStandalone, waitFor, type ZkCluster } from '../helpers/zk-server.js';
import { closeProxies, connectClient, connectThroughProxy } from '../helpers/faults.js';
import type { ZkClient } from '../../src/zk/client.js';

/** Long, so that the receive timeout (2/3 of it, 20 s) cannot be what ends a hang within the bounds below. */
const SESSION_MS = 30_000;
/** Time for a request sent into a dead connection to fail: the next poll, on a loaded machine. */
const SETTLE_MS = 8_000;

let cluster: ZkCluster;

before(async () => {
  cluster = await startStandalone();
});

after(async () => {
  await closeProxies();
  await cleanup();
});

/** Block the event loop: nothing is polled meanwhile, the kernel gets on with the sockets. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Each request's outcome: 'ok' or the error's class name. */
function outcome(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'ok',
    (err: Error) => err.constructor.name,
  );
}

/** Resolves with what p resolves to, or 'TIMEOUT' after ms. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | 'TIMEOUT'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<'TIMEOUT'>((r) => (timer = setTimeout(() => r('TIMEOUT'), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Session events of zk, in order. */
function recordEvents(zk: ZkClient): string[] {
  const events: string[] = [];
  for (const e of ['disconnected', 'reconnected', 'expired'] as const) zk.on(e, () => events.push(e));
  return events;
}

/**
 * Inside a completion: `kill` the server's end, wait for the kernel to close
 * it, then, in the next check phase, send five requests into the dead
 * connection. Resolves with their outcome promises once they are sent.
 */
async function sendIntoDeadConnection(zk: ZkClient, kill: () => void, waitMs: number): Promise<Promise<string>[]> {
  const sent: Promise<string>[] = [];
  const done = new Promise<void>((resolve) => {
    void zk.exists('/').then(() => {
      kill();
      pause(waitMs);
      setImmediate(() => {
        for (let i = 0; i < 5; i++) {
          sent.push(outcome(zk.exists('/zookeeper')));
          pause(50);
        }
        resolve();
      });
    });
  });
  await done;
  return sent;
}

test('requests sent into a connection cut under them fail promptly, and the client says it lost the connection and got it back', async () => {
  const { zk, proxy } = await connectThroughProxy(cluster.connectString, { sessionTimeoutMs: SESSION_MS });
  try {
    const events = recordEvents(zk);
    const session = zk.sessionId;
    const sent = await sendIntoDeadConnection(zk, () => proxy.cut(), 300);
    const outcomes = await within(Promise.all(sent), SETTLE_MS);
    assert.notEqual(outcomes, 'TIMEOUT', `the requests sent into the dead connection were still pending after ${SETTLE_MS} ms`);
    assert.deepEqual(outcomes, sent.map(() => 'ConnectionLossError'));
    await waitFor('the client to reconnect', () => events.includes('reconnected'), SETTLE_MS, 20).catch(() => undefined);
    assert.deepEqual(events, ['disconnected', 'reconnected'], 'the client reported the lost connection and its return');
    assert.equal(zk.sessionId, session, 'same session');
    assert.equal(await within(outcome(zk.exists('/zookeeper')), SETTLE_MS), 'ok', 'a request after the reconnection is answered');
  } finally {
    zk.close();
  }
});

test('requests sent into the connection of a killed ZooKeeper fail, and the client reports the disconnection and, after the restart, the reconnection', async () => {
  const member = cluster.members[0];
  const zk = await connectClient(cluster.connectString, { sessionTimeoutMs: SESSION_MS });
  let down = false;
  try {
    const events = recordEvents(zk);
    const pid = Number(readFileSync(path.join(member.dir, 'zookeeper.pid'), 'utf8'));
    assert.ok(pid > 0, 'the server wrote its pid');
    const sent = await sendIntoDeadConnection(zk, () => {
      process.kill(pid, 'SIGKILL');
      down = true;
    }, 1_500);
    const outcomes = await within(Promise.all(sent), SETTLE_MS);
    assert.notEqual(outcomes, 'TIMEOUT', `the requests sent into the dead connection were still pending after ${SETTLE_MS} ms`);
    assert.deepEqual(outcomes, sent.map(() => 'ConnectionLossError'));
    assert.deepEqual(events, ['disconnected'], 'the client reported the lost connection while the server was down');
    await member.start();
    down = false;
    await waitFor('the client to reconnect', () => events.includes('reconnected'), 30_000, 50).catch(() => undefined);
    assert.deepEqual(events, ['disconnected', 'reconnected'], 'the client reported its reconnection after the restart');
    assert.equal(await within(outcome(zk.exists('/zookeeper')), SETTLE_MS), 'ok', 'a request after the reconnection is answered');
  } finally {
    zk.close();
    // The next test needs the server, whatever failed here.
    if (down) await member.start();
  }
});

/** Inodes of this host's TCP sockets whose far end is `port`: clients' connections to that server. */
function tcpSocketsTo(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'latin1').trim().split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (parseInt(cols[2].split(':')[1], 16) === port) inodes.add(cols[9]);
    }
  }
  return inodes;
}

/** The socket inodes among `pid`'s open descriptors. */
function socketsOf(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
    try {
      return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? [];
    } catch {
      return []; // closed meanwhile
    }
  });
}

// The C client opened its sockets without close-on-exec: a process forked
// while a session was open (a job runner, a hardware probe) held the
// session's socket. When the connection was then cut, the client closed its
// descriptor but the socket lived on in the child, so the kernel kept it in
// the client's epoll set under the descriptor number that the next attempt
// reused: the poll woke again and again for the dead socket, the binding
// counted each wake-up without data as a reply that never came, and after
// 100 of them closed the handle as if the session had expired, a few
// milliseconds after the cut (seen in the drain test of a daemon cut off
// right after its start).
test('a process started while the session is open holds none of its sockets, and a cut then leaves the same session', async (t) => {
  const { zk, proxy } = await connectThroughProxy(cluster.connectString, { sessionTimeoutMs: SESSION_MS });
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  try {
    const events = recordEvents(zk);
    const session = zk.sessionId;
    const toProxy = tcpSocketsTo(proxy.ports[0]);
    assert.ok(socketsOf(process.pid).some((s) => toProxy.has(s)), 'the client\'s connection is seen (the check below can fail)');
    assert.deepEqual(socketsOf(child.pid!).filter((s) => toProxy.has(s)), [], 'the child holds none of the client\'s sockets');
    // Cut, and refuse the next attempts for a while: each goes through a new
    // socket, as in a partition.
    proxy.refuse(true);
    proxy.cut();
    await waitFor('the client to see the cut', () => events.includes('disconnected'), SETTLE_MS, 20);
    for (const until = Date.now() + 1_500; Date.now() < until; await new Promise((r) => setTimeout(r, 20))) {
      assert.deepEqual(events, ['disconnected'], 'the client waits for the server, it does not give its session up');
    }
    proxy.refuse(false);
    await waitFor('the client to reconnect', () => events.length > 1, SETTLE_MS, 20).catch(() => undefined);
    assert.deepEqual(events, ['disconnected', 'reconnected']);
    assert.equal(zk.sessionId, session, 'same session');
  } finally {
    zk.close();
  }
});

test('ZooKeeper restarted again and again under a stream of requests: every request settles, every outage is reported and ends', { timeout: 240_000 }, async (t) => {
  const member = cluster.members[0];
  const zk = await connectClient(cluster.connectString, { sessionTimeoutMs: SESSION_MS });
  const ROUNDS = 6;
  let down = false;
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      await waitFor('a connected client', () => zk.state === 'connected', 30_000, 50);
      const disconnected = once(zk, 'disconnected');
      const reconnected = once(zk, 'reconnected');
      // As many requests in flight as a busy daemon has, sent from every
      // phase of the event loop, while the server dies.
      const inFlight = new Set<Promise<string>>();
      const settled: string[] = [];
      let pumping = true;
      const pump = () => {
        if (!pumping) return;
        while (inFlight.size < 20) {
          const p = outcome(zk.exists('/zookeeper'));
          inFlight.add(p);
          void p.then((o) => {
            inFlight.delete(p);
            settled.push(o);
          });
        }
        setImmediate(pump);
      };
      pump();
      await new Promise((r) => setTimeout(r, 200));
      down = true;
      await (round % 2 ? member.kill() : member.stop());
      const lost = await within(disconnected, SETTLE_MS);
      pumping = false;
      const drained = await within(Promise.all([...inFlight]), SETTLE_MS);
      assert.notEqual(lost, 'TIMEOUT', `round ${round}: the client did not report the lost connection within ${SETTLE_MS} ms`);
      assert.notEqual(drained, 'TIMEOUT', `round ${round}: ${inFlight.size} requests still pending ${SETTLE_MS} ms after the server went down`);
      await member.start();
      down = false;
      assert.notEqual(await within(reconnected, 30_000), 'TIMEOUT', `round ${round}: the client did not report its reconnection within 30 s of the restart`);
      assert.equal(await within(outcome(zk.exists('/zookeeper')), SETTLE_MS), 'ok', `round ${round}: a request after the reconnection is answered`);
      t.diagnostic(`round ${round}: ${settled.filter((o) => o === 'ok').length} answered, ${settled.filter((o) => o !== 'ok').length} failed`);
    }
  } finally {
    zk.close();
    if (down) await member.start();
  }
});
