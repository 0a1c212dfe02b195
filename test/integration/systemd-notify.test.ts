// Type=notify: zkjobd tells systemd READY=1 once registered in ZooKeeper and
// STOPPING=1 on SIGTERM, through systemd-notify(1) naming its own pid; jobs
// do not inherit NOTIFY_SOCKET. A unix datagram socket (python3, since Node
// has none) stands in for systemd's and prints what it hears.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { standaloneFixture } from '../helpers/fixture.js';
import { waitFor } from '../helpers/zk-server.js';
import { freshRoot, ok, startDaemon } from '../helpers/cli.js';

const fixture = standaloneFixture();
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

const LISTENER = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("listening", flush=True)
while True:
    print(s.recv(4096).decode().replace("\\n", " "), flush=True)
`;

test('zkjobd notifies READY once registered and STOPPING on SIGTERM; jobs do not see the socket', async (t) => {
  if (!has('systemd-notify')) return t.skip('systemd-notify not found: make deps installs Debian\'s systemd package');
  if (!has('python3')) return t.skip('python3 not found: it stands in for systemd\'s notify socket');
  const socket = path.join(mkdtempSync(path.join(os.tmpdir(), 'zkjobs-notify-')), 'notify.sock');
  const listener = spawn('python3', ['-c', LISTENER, socket], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => listener.kill());
  let heard = '';
  listener.stdout!.on('data', (c) => (heard += c));
  await waitFor('the stand-in notify socket', () => heard.includes('listening'), 10_000, 50);

  const root = freshRoot();
  const conn = ['--zk', fixture.zk().connectString, '--root', root];
  const daemon = await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'sd', env: { NOTIFY_SOCKET: socket } });
  fixture.daemons.push(daemon);
  await waitFor('READY=1 naming the daemon', () => heard.includes(`MAINPID=${daemon.pid} READY=1`), 10_000, 50);
  assert.equal(JSON.parse(await ok('zkjobq', ['nodes', ...conn, '--json'])).id, 'sd', 'registered when READY was sent');

  const id = (await ok('zkjobc', ['submit', ...conn, '--wait', '--', 'sh', '-c', 'echo "[${NOTIFY_SOCKET:-unset}]"'])).trim();
  assert.equal(JSON.parse(await ok('zkjobc', ['status', ...conn, '--json', id])).result.stdoutTail, '[unset]\n', 'jobs do not inherit NOTIFY_SOCKET');

  daemon.signal('SIGTERM');
  await waitFor('STOPPING=1', () => heard.includes(`MAINPID=${daemon.pid} STOPPING=1`), 10_000, 50);
  assert.equal((await daemon.exited).code, 0);
});
