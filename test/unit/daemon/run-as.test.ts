import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideRunAs } from '../../../src/daemon/run-as.js';
import { DEFAULT_POLICY } from '../../../src/daemon/queue-policy.js';

test('a root daemon without run_as runs jobs as the job account, never as root', () => {
  assert.equal(DEFAULT_POLICY.jobUser, 'zkjobs');
  assert.deepEqual(decideRunAs({ policy: DEFAULT_POLICY, daemonUid: 0 }), { kind: 'job_user', runAs: { user: 'zkjobs' } });
  assert.deepEqual(decideRunAs({ policy: { ...DEFAULT_POLICY, jobUser: 'batch' }, daemonUid: 0 }), { kind: 'job_user', runAs: { user: 'batch' } });
});

test('run_as is followed as written, root included; a daemon that is not root runs jobs as itself', () => {
  const asRoot = { ...DEFAULT_POLICY, runAs: { user: 'root' } };
  assert.deepEqual(decideRunAs({ policy: asRoot, daemonUid: 0 }), { kind: 'run_as', runAs: { user: 'root' } });
  assert.deepEqual(decideRunAs({ policy: DEFAULT_POLICY, daemonUid: 1000 }), { kind: 'daemon' });
  const asAlice = { ...DEFAULT_POLICY, runAs: { user: 'alice', group: 'staff' } };
  assert.deepEqual(decideRunAs({ policy: asAlice, daemonUid: 1000 }), { kind: 'run_as', runAs: { user: 'alice', group: 'staff' } });
});
