// A request whose send fails must not kill the process. The C client sends
// every asynchronous request at once, and when that send fails (the server
// died a moment ago) it closes the socket itself, behind the back of the
// binding's libuv poll handle on it. If the binding had just re-armed that
// handle in the same turn of the event loop, libuv's next epoll_ctl on the
// closed fd failed with EBADF and libuv called abort(): zkjobd died by
// SIGABRT, without a word, when an ensemble's leader was killed.
//
// The child below makes that order happen on purpose: inside a completion
// (before the binding re-arms its poll handle) it kills the server and waits
// until the server's end is gone; in the next check phase (after the re-arm)
// it sends requests into the dead connection. It runs in its own process
// because the failure is an abort.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanup, startStandalone, type ZkCluster } from '../helpers/zk-server.js';

const CLIENT = new URL('../../src/zk/client.js', import.meta.url).href;

const CHILD = `
import { readFileSync } from 'node:fs';
import { ZkClient } from ${JSON.stringify(CLIENT)};
const [connect, pidFile] = process.argv.slice(1);
const zk = await ZkClient.connect({ connect, connectTimeoutMs: 10000, sessionTimeoutMs: 30000 });
const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
await zk.exists('/').then(() => {
  // Still inside the binding's completion: its poll handle is re-armed after this.
  process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
  pause(1500);
  setImmediate(() => {
    for (let i = 0; i < 5; i++) {
      zk.exists('/zookeeper').catch(() => {});
      pause(50);
    }
  });
});
await new Promise((r) => setTimeout(r, 1500));
zk.close();
process.stdout.write('survived\\n');
process.exit(0);
`;

let cluster: ZkCluster;

before(async () => {
  cluster = await startStandalone();
});

after(async () => {
  await cleanup();
});

test('a request sent into a connection the server just dropped does not abort the process', async () => {
  const pidFile = path.join(cluster.members[0].dir, 'zookeeper.pid');
  assert.ok(Number(readFileSync(pidFile, 'utf8')) > 0, 'the server wrote its pid');
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, cluster.connectString, pidFile], {
    cwd: path.dirname(fileURLToPath(import.meta.url)),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('exit', (c, s) => resolve([c, s])),
  );
  clearTimeout(timer);
  assert.equal(signal, null, `the client process died by ${signal}; its output:\n${out}`);
  assert.equal(code, 0, `the client process exited ${code}; its output:\n${out}`);
  assert.match(out, /survived/);
});
