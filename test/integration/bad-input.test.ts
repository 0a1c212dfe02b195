// Bad input is contained: garbage written straight into ZooKeeper fails that
// job with the reason and the daemon goes on; bad CLI input changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStandalone, type ZkCluster } from '../helpers/zk-server.js';
import { freshRoot, ok, run, startDaemon, type DaemonProcess } from '../helpers/cli.js';
import { connectTo } from '../helpers/zk.js';
import { reserveSequences } from '../../src/submit.js';
import { formatJobId } from '../../src/job-id.js';
import type { ZkClient } from '../../src/zk/client.js';
import type { Paths } from '../../src/zk/paths.js';

let zk: ZkCluster;
let daemon: DaemonProcess;
const root = freshRoot();
const conn = () => ['--zk', zk.connectString, '--root', root];

before(async () => {
  zk = await startStandalone();
  daemon = await startDaemon({ zk: zk.connectString, root, nodeId: 'n1', slots: 1 });
});
after(async () => {
  await daemon?.stop();
  await zk?.stop();
});

/** Write a raw job record the way a buggy or hostile writer would: a real number, garbage data. */
async function writeRawJob(client: ZkClient, paths: Paths, data: Buffer): Promise<string> {
  const seq = await reserveSequences(client, paths, 'default', 1);
  await client.create(paths.pendingJob('default', seq).replace(/\/[^/]+$/, ''), '', 'container').catch(() => undefined);
  await client.create(paths.pendingJob('default', seq), data);
  return formatJobId({ queue: 'default', seq });
}

const garbage: [string, Buffer, RegExp][] = [
  ['not JSON', Buffer.from('{this is not json'), /bad job spec: job spec is not valid JSON/],
  ['not UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), /bad job spec: job spec is not valid UTF-8/],
  ['an unknown field', Buffer.from(JSON.stringify({ argv: ['true'], submittedAt: 'x', evil: 1 })), /unknown field "evil"/],
  ['argv not strings', Buffer.from(JSON.stringify({ argv: [1, 2], submittedAt: 'x' })), /"argv" must be an array of strings/],
  ['a JSON array', Buffer.from('[1,2,3]'), /not a JSON object/],
  ['an empty record', Buffer.alloc(0), /not valid JSON/],
  ['a 900 KB blob', Buffer.alloc(900 * 1024, 0x61), /over the limit/],
];

test('garbage job records fail with their reason and the next job runs', async () => {
  const { zk: client, paths } = await connectTo(zk.connectString, root);
  const ids: [string, RegExp][] = [];
  try {
    for (const [, data, reason] of garbage) ids.push([await writeRawJob(client, paths, data), reason]);
  } finally {
    client.close();
  }
  const good = await run('zkjobc', ['submit', ...conn(), '--wait', '--', 'echo', 'still serving']);
  assert.equal(good.code, 0, good.stderr);
  for (const [id, reason] of ids) {
    const status = await ok('zkjobc', ['status', ...conn(), id]);
    assert.match(status, new RegExp(`^${id} failed on n1 \\(`));
    assert.match(status, reason);
  }
  assert.ok(daemon.alive, 'the daemon is still running');
});

test('bad CLI input exits non-zero with one line and leaves the queue as it was', async () => {
  const before = await ok('zkjobq', ['list', ...conn(), '--json']);
  const cases: [string[], number, RegExp][] = [
    [['zkjobc', 'submit', '-q', '../x', '--', 'true'], 65, /invalid queue name "..\/x"/],
    [['zkjobc', 'submit', '-q', 'nosuchqueue', '--', 'true'], 1, /no such queue 'nosuchqueue'/],
    [['zkjobc', 'status', 'not-a-job-id'], 65, /invalid job id/],
    [['zkjobc', 'status', 'default/0000099999'], 1, /no such job default\/0000099999/],
    [['zkjobq', 'purge', 'nosuchqueue'], 1, /no such queue/],
  ];
  for (const [[program, command, ...args], code, message] of cases) {
    const r = await run(program as 'zkjobc', [command, ...conn(), ...args]);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  }
  assert.equal(await ok('zkjobq', ['list', ...conn(), '--json']), before);
});
