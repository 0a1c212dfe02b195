// Least privilege for jobs (issue 11), with real accounts and real
// privilege drops: a root daemon runs no job as root unless the queue says
// run_as = root; the daemon's secrets never reach a job; a job's variables
// cannot make a wrapper that still runs as root execute code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DaemonProcess, freshRoot, ok, run, startDaemon } from '../helpers/cli.js';
import { connectTo } from '../helpers/zk.js';
import { createUser, isRoot, removeUser, userExists, type TestUser } from '../helpers/users.js';
import { startStandalone, waitFor, type ZkCluster } from '../helpers/zk-server.js';
import { reserveSequences } from '../../src/submit.js';
import { formatJobId } from '../../src/job-id.js';
import { DEFAULT_JOB_USER } from '../../src/daemon/queue-policy.js';

// One server and the daemons, started and stopped by this file's own hooks.
let zk: ZkCluster | undefined;
const daemons: DaemonProcess[] = [];
const fixture = { zk: () => zk!, daemons };
const root = freshRoot();
const conn = () => ['--zk', fixture.zk().connectString, '--root', root];
const scratch = mkdtempSync(path.join(os.tmpdir(), 'zkjobs-runas-'));
const skip = !isRoot && 'needs root to switch users';
let account: TestUser | undefined;

before(async () => {
  zk = await startStandalone();
  if (!isRoot) return;
  account = createUser('zkjt');
  // A wrapper in bash that starts as root and drops to the account, as a site's own wrapper would.
  const wrapper = path.join(scratch, 'drop-wrapper');
  writeFileSync(wrapper, `#!/bin/bash\necho "wrapper FOO=\${FOO-unset} uid=$(id -u)" >&2\nexec setpriv --reuid=${account.uid} --regid=${account.gid} --clear-groups "$@"\n`);
  chmodSync(wrapper, 0o755);
  const file = path.join(scratch, 'zkjobd.conf');
  writeFileSync(file, [
    `zk = ${fixture.zk().connectString}`, `root = ${root}`, 'node_id = secure', 'slots = 2', 'session_timeout = 4s',
    'queues = rooted,wrapped', `spool_dir = ${path.join(scratch, 'spool')}`, 'http_bind = 127.0.0.1:0', `http_token_file = ${path.join(scratch, 'token')}`,
    '[queue rooted]', 'run_as = root', '[queue wrapped]', 'run_as = root', `wrapper = ${wrapper}`, '',
  ].join('\n'));
  writeFileSync(path.join(scratch, 'token'), 'token-from-file\n');
  // The daemon's own secrets, in its environment as an operator or systemd would put them.
  const env = { ZKJOBS_ZK_AUTH: 'worker:workerpw', ZKJOBS_HTTP_TOKEN: 'token-from-env', ZKJOBS_CONFIG: file, SECRET_FROM_SHELL: 'shellsecret' };
  fixture.daemons.push(await new DaemonProcess({ zk: '', root: '', nodeId: 'secure', raw: ['--config', file], env }).started());
});
after(async () => {
  await Promise.all(daemons.map((d) => d.stop()));
  await zk?.stop();
  removeUser(account);
});

async function submitAndWait(args: string[]): Promise<{ code: number | null; id: string; stderr: string }> {
  const r = await run('zkjobc', ['submit', ...conn(), '--wait', ...args], { timeoutMs: 60_000 });
  return { code: r.code, id: r.stdout.trim(), stderr: r.stderr };
}

async function resultOf(id: string): Promise<{ state: string; result: { exitCode: number | null; reason: string | null; stdoutTail: string; stderrTail: string } }> {
  return JSON.parse(await ok('zkjobc', ['status', ...conn(), '--json', id]));
}

test('a root daemon with no run_as never runs a job as root', { skip }, async () => {
  const daemon = await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'plain', queues: ['plain'], runAs: null });
  fixture.daemons.push(daemon);
  const r = await submitAndWait(['-q', 'plain', '--', 'id', '-u']);
  const s = await resultOf(r.id);
  assert.notEqual(s.result.stdoutTail, '0\n', 'the job ran as root');
  if (userExists(DEFAULT_JOB_USER)) {
    assert.equal(r.code, 0, r.stderr);
  } else {
    // No fallback to root: the job fails, saying why, and the start-up log said so beforehand.
    assert.equal(s.state, 'failed');
    assert.match(s.result.reason ?? '', new RegExp(`job account '${DEFAULT_JOB_USER}' does not exist.*never fall back to root`));
    assert.match(daemon.log, /queue access: its jobs will fail until the account exists .*queue=plain/);
  }
});

test("a root daemon's default is the job account: id -u is its uid", { skip }, async () => {
  const daemon = await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'acct', queues: ['acct'], runAs: null, args: ['--job-user', account!.name] });
  fixture.daemons.push(daemon);
  assert.match(daemon.log, new RegExp(`queue access .*queue=acct submitters=.*open queue.* runAs=.*${account!.name} \\(the job account`));
  const r = await submitAndWait(['-q', 'acct', '--', 'id', '-u']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await resultOf(r.id)).result.stdoutTail, `${account!.uid}\n`);
});

test('run_as = root, said explicitly, does run as root, and the start-up log says so', { skip }, async () => {
  const r = await submitAndWait(['-q', 'rooted', '--', 'id', '-u']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await resultOf(r.id)).result.stdoutTail, '0\n');
  assert.match(fixture.daemons[0].log, /warn queue access: jobs run as root .*queue=rooted .*runAs="root \(run_as\)"/);
});

test("the job's environment holds none of the daemon's secrets", { skip }, async () => {
  const r = await submitAndWait(['-q', 'rooted', '--env', 'MINE=kept', '--', 'env']);
  assert.equal(r.code, 0, r.stderr);
  const env = (await resultOf(r.id)).result.stdoutTail;
  for (const secret of ['ZKJOBS_ZK_AUTH', 'workerpw', 'ZKJOBS_HTTP_TOKEN', 'token-from-env', 'token-from-file', 'ZKJOBS_CONFIG', 'SECRET_FROM_SHELL', 'shellsecret']) {
    assert.ok(!env.includes(secret), `${secret} reached the job:\n${env}`);
  }
  assert.match(env, /^PATH=/m, 'the allow-listed PATH is there');
  assert.match(env, /^MINE=kept$/m, "the job's own --env is there");
  assert.match(env, new RegExp(`^ZKJOBS_JOB_ID=${r.id}$`, 'm'));
});

test('--env BASH_ENV is refused at submit: exit 65, one line, nothing queued', async () => {
  const before = await ok('zkjobq', ['list', ...conn(), '--json']);
  for (const name of ['BASH_ENV', 'LD_PRELOAD', 'ENV']) {
    const r = await run('zkjobc', ['submit', ...conn(), '-q', 'wrapped', '--env', `${name}=/tmp/x`, '--', 'true']);
    assert.equal(r.code, 65, r.stderr);
    assert.match(r.stderr, new RegExp(`^zkjobc: environment variable ${name} is refused: [^\\n]+\\n$`));
  }
  assert.equal(await ok('zkjobq', ['list', ...conn(), '--json']), before);
});

test('a BASH_ENV written straight into ZooKeeper never runs as root in a bash wrapper', { skip }, async () => {
  const marker = path.join(scratch, 'evil-ran');
  const evil = path.join(scratch, 'evil.sh');
  writeFileSync(evil, `id -u >> ${marker}\n`);
  const { zk, paths } = await connectTo(fixture.zk().connectString, root);
  let id: string;
  try {
    const seq = await reserveSequences(zk, paths, 'wrapped', 1);
    await zk.create(paths.pendingJob('wrapped', seq).replace(/\/[^/]+$/, ''), '', 'container').catch(() => undefined);
    await zk.create(paths.pendingJob('wrapped', seq), Buffer.from(JSON.stringify({ argv: ['id', '-u'], env: { BASH_ENV: evil }, submittedAt: new Date().toISOString() })));
    id = formatJobId({ queue: 'wrapped', seq });
  } finally {
    zk.close();
  }
  await waitFor(`${id} to end`, async () => (await resultOf(id)).state !== 'pending' && (await resultOf(id)).state !== 'running', 30_000);
  const s = await resultOf(id);
  assert.ok(!existsSync(marker), `evil.sh ran, as uid ${existsSync(marker) ? readFileSync(marker, 'utf8').trim() : '?'}`);
  assert.equal(s.state, 'failed');
  assert.match(s.result.reason ?? '', /environment variable BASH_ENV is refused/);
});

test("a wrapper never sees the job's variables; the job, after the wrapper, does", { skip }, async () => {
  const r = await submitAndWait(['-q', 'wrapped', '--env', 'FOO=bar', '--', 'sh', '-c', 'echo "job FOO=$FOO uid=$(id -u)"']);
  assert.equal(r.code, 0, r.stderr);
  const s = await resultOf(r.id);
  assert.equal(s.result.stderrTail, 'wrapper FOO=unset uid=0\n');
  assert.equal(s.result.stdoutTail, `job FOO=bar uid=${account!.uid}\n`);
});
