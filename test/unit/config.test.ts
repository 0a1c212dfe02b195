import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { splitConfig } from '../../src/config-file.js';
import { clientDefaults, configFileFromArgv, loadConfig } from '../../src/config.js';
import { DataError } from '../../src/errors.js';

function file(text: string): string {
  const f = path.join(mkdtempSync(path.join(os.tmpdir(), 'zkjobs-cfg-')), 'zkjobd.conf');
  writeFileSync(f, text);
  return f;
}

test('keys, comments and queue sections', () => {
  const c = splitConfig('# c\nslots = 4\n\n[queue gpu]\nallow_shell = yes\n', 'f');
  assert.equal(c.global.get('slots')?.value, '4');
  assert.equal(c.queues.get('gpu')?.get('allow_shell')?.line, 5);
});

test('values become flag defaults and per-queue policies', () => {
  const config = loadConfig(file('zk = a:1,b:2\nslots = 3\nqueues = x, y\nallow_shell = no\nretention = 1d\n[queue y]\nallow_shell = yes\nrun_as = nobody:nogroup\n'));
  assert.deepEqual([config.flags.zk, config.flags.slots, config.flags.queues], ['a:1,b:2', 3, ['x', 'y']]);
  assert.equal(config.policies.get('*')!.allowShell, false);
  assert.equal(config.policies.get('*')!.retentionMs, 86_400_000);
  assert.equal(config.policies.get('y')!.allowShell, true);
  assert.deepEqual(config.policies.get('y')!.runAs, { user: 'nobody', group: 'nogroup' });
  assert.equal(config.policies.get('y')!.retentionMs, 86_400_000, 'a section inherits the global policy');
});

test('errors name the file and the line', () => {
  for (const [text, message] of [['slots = 2\nslots = 3\n', /:2: 'slots' is set twice/], ['log_level = loud\n', /:1: 'log_level' must be one of/], ['[queue a]\n[queue a]\n', /:2: queue a has two sections/], ['[nodes]\n', /:1: unknown section/]] as const) {
    const f = file(text);
    assert.throws(() => loadConfig(f), (e: Error) => e instanceof DataError && e.message.startsWith(`${f}:`) && message.test(e.message), text);
  }
});

test('--config, then ZKJOBS_CONFIG, names the file', () => {
  assert.equal(configFileFromArgv(['--slots', '2', '--config', '/x.conf'], {}), '/x.conf');
  assert.equal(configFileFromArgv(['--config=/y.conf'], {}), '/y.conf');
  assert.equal(configFileFromArgv([], { ZKJOBS_CONFIG: '/z.conf' }), '/z.conf');
});

test('max_running is a [queue] section key: a number or none, kept apart from the node policy', () => {
  const config = loadConfig(file('queues = gpu,cpu,io\n[queue gpu]\nmax_running = 3\n[queue cpu]\nmax_running = none\n[queue io]\nallow_shell = yes\n'));
  assert.deepEqual([...config.queueLimits], [['gpu', 3], ['cpu', null]], 'a section without the key leaves the queue as it is');
  for (const [text, message] of [
    ['max_running = 3\n', /:1: 'max_running' is set per queue, in a \[queue NAME\] section$/],
    ['[queue a]\nmax_running = 0\n', /:2: max_running must be a whole number from 1 to 10000, got 0$/],
    ['[queue a]\nmax_running = 10001\n', /:2: max_running must be a whole number from 1 to 10000, got 10001$/],
    ['[queue a]\nmax_running = lots\n', /:2: 'max_running' must be a whole number or 'none', got 'lots'$/],
  ] as const) {
    const f = file(text);
    assert.throws(() => loadConfig(f), (e: Error) => e instanceof DataError && e.message.startsWith(`${f}:`) && message.test(e.message), text);
  }
});

test('job_user names an unprivileged account: root is only ever asked for by run_as = root', () => {
  assert.equal(loadConfig(file('job_user = batchjobs\n')).flags['job-user'], 'batchjobs');
  assert.throws(() => loadConfig(file('slots = 1\njob_user = root\n')), /:2: 'job_user' must be an unprivileged account; to run jobs as root, say run_as = root/);
});

test('zk_tls_* keys set the --zk-tls-* flags of the daemon and of the client tools', () => {
  const f = file('zk = a:2281\nzk_tls_ca = /etc/zkjobs/tls/ca.crt\nzk_tls_cert = /etc/zkjobs/tls/n1.crt\nzk_tls_key = /etc/zkjobs/tls/n1.key\n');
  const config = loadConfig(f);
  assert.deepEqual([config.flags['zk-tls-ca'], config.flags['zk-tls-cert'], config.flags['zk-tls-key']], ['/etc/zkjobs/tls/ca.crt', '/etc/zkjobs/tls/n1.crt', '/etc/zkjobs/tls/n1.key']);
  const client = clientDefaults({ ZKJOBS_CONFIG: f });
  assert.deepEqual([client.zk, client.zkTlsCa, client.zkTlsCert, client.zkTlsKey], ['a:2281', '/etc/zkjobs/tls/ca.crt', '/etc/zkjobs/tls/n1.crt', '/etc/zkjobs/tls/n1.key']);
  assert.throws(() => loadConfig(file('zk_tls_key =\n')), /:1: 'zk_tls_key' needs a value/);
});
