import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RefusedJob, runRequestFor } from '../../../src/daemon/execution.js';
import { DEFAULT_POLICY } from '../../../src/daemon/queue-policy.js';
import { cleanEnvironment } from '../../../src/daemon/clean-env.js';
import type { ClaimedJob } from '../../../src/claim.js';

const job = (env?: Record<string, string>): ClaimedJob => ({ id: { queue: 'q', seq: 7 }, attempt: 1, spec: { argv: ['prog', 'a'], env, submittedAt: 'x' } }) as unknown as ClaimedJob;

test("the daemon's environment reaches a job only through the allow-list", () => {
  const daemon = { PATH: '/bin', LANG: 'C.UTF-8', LC_TIME: 'C', ZKJOBS_ZK_AUTH: 'w:pw', ZKJOBS_HTTP_TOKEN: 't', NOTIFY_SOCKET: '/run/n', HOME: '/root', AWS_SECRET_ACCESS_KEY: 'k' };
  assert.deepEqual(cleanEnvironment(daemon, false), { PATH: '/bin', LANG: 'C.UTF-8', LC_TIME: 'C' });
  assert.deepEqual(cleanEnvironment(daemon, true), { PATH: '/bin', LANG: 'C.UTF-8', LC_TIME: 'C', HOME: '/root' });
  assert.equal(cleanEnvironment({}, false).PATH, '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
});

test("with a wrapper, the job's variables come after it, through /usr/bin/env; the job's own ids cannot be overridden", () => {
  const policy = { ...DEFAULT_POLICY, wrapper: ['/usr/local/bin/wrap'] };
  const r = runRequestFor(job({ FOO: 'bar', ZKJOBS_JOB_ID: 'forged' }), policy, 'n1', 1000, 1000);
  assert.deepEqual(r.stages, [['/usr/local/bin/wrap', '/usr/bin/env', '--', 'FOO=bar', 'prog', 'a']]);
  assert.equal(r.env.FOO, undefined, 'the wrapper does not see FOO');
  assert.equal(r.env.ZKJOBS_JOB_ID, 'q/0000000007');
  const plain = runRequestFor(job({ FOO: 'bar' }), DEFAULT_POLICY, 'n1', 1000, 1000);
  assert.deepEqual([plain.stages, plain.env.FOO], [[['prog', 'a']], 'bar']);
  assert.throws(() => runRequestFor({ ...job({ A: '1' }), spec: { argv: ['x=y'], env: { A: '1' }, submittedAt: 'x' } } as ClaimedJob, policy, 'n1', 1000, 1000), RefusedJob);
});

test('a root daemon refuses a job whose job account is missing, rather than run it as root', () => {
  const policy = { ...DEFAULT_POLICY, jobUser: 'no-such-account-zkjobs' };
  assert.throws(() => runRequestFor(job(), policy, 'n1', 1000, 0), /job account 'no-such-account-zkjobs' does not exist .*never fall back to root/);
  const asRoot = runRequestFor(job(), { ...DEFAULT_POLICY, runAs: { user: 'root' } }, 'n1', 1000, 0);
  assert.deepEqual([asRoot.uid, asRoot.gid], [0, 0]);
});
