// The C client resolves the ensemble's host names when it connects, not on
// every request. Its default (a resolution delay of 0, "resolve
// unconditionally") ran getaddrinfo in each zookeeper_interest, so every
// request cost a netlink round trip to the kernel (AI_ADDRCONFIG asks which
// addresses the host has): about a third of a request's CPU in the client,
// paid by the daemon on every claim and publish. The binding now sets a
// delay (patches/zookeeper+7.3.0.patch, realInit).
//
// Counted from outside with strace: the netlink address dumps a client
// process makes while it sends a hundred requests on one connection.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cleanup, startStandalone, type ZkCluster } from '../helpers/zk-server.js';

const REQUESTS = 100;
const strace = spawnSync('strace', ['-V']).status === 0;

let cluster: ZkCluster;
let dir: string;

before(async () => {
  cluster = await startStandalone();
  dir = mkdtempSync(path.join(os.tmpdir(), 'zkjobs-resolve-'));
});

after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await cleanup();
});

test('a client resolves the ensemble\'s names when it connects, not once per request', { skip: !strace && 'strace is not installed (make deps installs it)' }, () => {
  const client = new URL('../../src/zk/client.js', import.meta.url).href;
  // By name, so that there is something to resolve.
  const connect = cluster.connectString.replace(/127\.0\.0\.1/g, 'localhost');
  const script = `
    const { ZkClient } = await import(${JSON.stringify(client)});
    const zk = await ZkClient.connect({ connect: ${JSON.stringify(connect)} });
    for (let i = 0; i < ${REQUESTS}; i++) await zk.exists('/');
    zk.close();`;
  const trace = path.join(dir, 'trace');
  const run = spawnSync('strace', ['-f', '-qq', '-e', 'trace=sendto', '-o', trace, process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  const sends = readFileSync(trace, 'utf8').split('\n');
  const dumps = sends.filter((line) => line.includes('RTM_GETADDR')).length;
  assert.ok(sends.filter((line) => /sendto\(\d+, "/.test(line)).length >= REQUESTS, 'the requests went out (strace saw them)');
  assert.ok(dumps <= 4, `${dumps} address lookups for ${REQUESTS} requests on one connection`);
});
