// What the binding's C client asks of the kernel per request, counted from
// outside with strace while one client process sends a hundred requests on
// one connection (both are patches to the client, patches/zookeeper+7.3.0.patch):
//
// - it resolves the ensemble's host names when it connects, not on every
//   request. Its default (a resolution delay of 0, "resolve
//   unconditionally") ran getaddrinfo in each zookeeper_interest, so every
//   request cost a netlink round trip to the kernel (AI_ADDRCONFIG asks which
//   addresses the host has): about a third of a request's CPU in the client,
//   paid by the daemon on every claim and publish. The binding now sets a
//   delay (node-zk.cpp, realInit);
// - a request goes out in one system call: the length prefix and the body
//   were two send()s, two TCP segments with TCP_NODELAY, and the server's
//   selector woke for the four bytes of the first (zkjobs-one-send.js).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cleanup, startStandalone, type ZkCluster } from '../helpers/zk-server.js';

const REQUESTS = 100;
const strace = spawnSync('strace', ['-V']).status === 0;
const skip = !strace && 'strace is not installed (make deps installs it)';

let cluster: ZkCluster;
let dir: string;
/** The client's sendto and sendmsg calls, one strace line each. */
let sends: string[] = [];

before(async () => {
  cluster = await startStandalone();
  dir = mkdtempSync(path.join(os.tmpdir(), 'zkjobs-syscalls-'));
  if (!strace) return;
  const client = new URL('../../src/zk/client.js', import.meta.url).href;
  // By name, so that there is something to resolve.
  const connect = cluster.connectString.replace(/127\.0\.0\.1/g, 'localhost');
  const script = `
    const { ZkClient } = await import(${JSON.stringify(client)});
    const zk = await ZkClient.connect({ connect: ${JSON.stringify(connect)} });
    for (let i = 0; i < ${REQUESTS}; i++) await zk.exists('/');
    zk.close();`;
  const trace = path.join(dir, 'trace');
  const run = spawnSync('strace', ['-f', '-qq', '-e', 'trace=sendto,sendmsg', '-o', trace, process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  sends = readFileSync(trace, 'utf8').split('\n').filter((line) => /send(to|msg)\(/.test(line));
});

after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await cleanup();
});

/** Sends on the ZooKeeper connection: not the netlink ones. */
const requestSends = () => sends.filter((line) => !line.includes('RTM_GETADDR'));

test('a client resolves the ensemble\'s names when it connects, not once per request', { skip }, () => {
  assert.ok(requestSends().length >= REQUESTS, 'the requests went out (strace saw them)');
  const lookups = sends.filter((line) => line.includes('RTM_GETADDR')).length;
  assert.ok(lookups <= 4, `${lookups} address lookups for ${REQUESTS} requests on one connection`);
});

test('a request goes out in one system call, its length and body together', { skip }, () => {
  const lengthAlone = requestSends().filter((line) => /, 4, MSG_NOSIGNAL/.test(line)).length;
  assert.ok(requestSends().length >= REQUESTS, 'the requests went out (strace saw them)');
  assert.ok(requestSends().length <= REQUESTS + 5, `${requestSends().length} sends for ${REQUESTS} requests (and the session's own few)`);
  // The session's handshake (prime_connection) is sent by code of its own, once per connection.
  assert.ok(lengthAlone <= 1, `${lengthAlone} four-byte length prefixes sent on their own`);
});
