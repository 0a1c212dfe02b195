// Output stays private (issue 11): spooled output is 0600 in a 0700
// directory owned by the job's user, and the output endpoint refuses to
// serve the network without a token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freshRoot, ok, run, startDaemon, type DaemonProcess } from '../helpers/cli.js';
import { startStandalone, type ZkCluster } from '../helpers/zk-server.js';
import { createUser, isRoot, removeUser, type TestUser } from '../helpers/users.js';

let zk: ZkCluster | undefined;
const daemons: DaemonProcess[] = [];
const root = freshRoot();
const conn = () => ['--zk', zk!.connectString, '--root', root];
const scratch = mkdtempSync(path.join(os.tmpdir(), 'zkjobs-private-'));
let account: TestUser | undefined;

before(async () => {
  zk = await startStandalone();
  if (isRoot) account = createUser('zkjo');
});
after(async () => {
  await Promise.all(daemons.map((d) => d.stop()));
  await zk?.stop();
  removeUser(account);
});

const mode = (p: string) => statSync(p).mode & 0o777;

test("spooled output is 0600 in a 0700 directory, owned by the job's user", { skip: !isRoot && 'needs root to switch users' }, async () => {
  const spool = path.join(scratch, 'spool');
  const daemon = await startDaemon({ zk: zk!.connectString, root, nodeId: 'spooler', queues: ['private'], runAs: account!.name, args: ['--spool-dir', spool] });
  daemons.push(daemon);
  const r = await run('zkjobc', ['submit', ...conn(), '-q', 'private', '--wait', '--', 'sh', '-c', 'echo out; echo err >&2']);
  assert.equal(r.code, 0, r.stderr);
  const jobDir = path.join(spool, 'private', r.stdout.trim().split('/')[1]);
  for (const file of ['stdout', 'stderr']) {
    const st = statSync(path.join(jobDir, file));
    assert.equal(mode(path.join(jobDir, file)).toString(8), '600', `${file} mode`);
    assert.deepEqual([st.uid, st.gid], [account!.uid, account!.gid], `${file} owner`);
  }
  assert.equal(mode(jobDir).toString(8), '700');
  assert.equal(statSync(jobDir).uid, account!.uid);
  assert.equal(mode(path.join(spool, 'private')).toString(8), '711', 'others pass through the queue directory but cannot list it');
  assert.equal(await ok('zkjobc', ['output', ...conn(), r.stdout.trim()]), 'out\n', 'the endpoint still serves it');
});

test('the output endpoint refuses a non-loopback address without a token: exit 78, one line', async () => {
  const args = ['--zk', zk!.connectString, '--root', freshRoot(), '--spool-dir', path.join(scratch, 'unused')];
  for (const bind of ['0.0.0.0:0', '[::]:0', '192.0.2.1:7781']) {
    const r = await run('zkjobd', [...args, '--http-bind', bind], { timeoutMs: 20_000 });
    assert.equal(r.code, 78, `${bind}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^zkjobd: --http-bind ${bind.replace(/[.[\]]/g, '\\$&')} would serve every job's output to the network without a token: [^\\n]+\\n$`));
  }
  const file = path.join(scratch, 'open.conf');
  writeFileSync(file, `zk = ${zk!.connectString}\nhttp_bind = 0.0.0.0:7781\n`);
  const check = await run('zkjobd', ['--check-config', '--config', file]);
  assert.equal(check.code, 78, check.stderr);
  assert.match(check.stderr, /^zkjobd: --http-bind 0\.0\.0\.0:7781 would serve [^\n]+\n$/);
  const token = path.join(scratch, 'token');
  writeFileSync(token, 'a-token\n');
  writeFileSync(file, `zk = ${zk!.connectString}\nhttp_bind = 0.0.0.0:7781\nhttp_token_file = ${token}\n`);
  assert.equal((await run('zkjobd', ['--check-config', '--config', file])).code, 0, 'with a token it may');
});
