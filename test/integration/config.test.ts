// The configuration file: bad files are refused naming file and line;
// flags override the file; the client tools read the connection from it;
// SIGHUP under load changes slots and queues without dropping a job, and a
// bad new file is rejected while the old settings stay; SIGHUP re-reads the
// node's tags too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStandalone, waitFor, type ZkCluster } from '../helpers/zk-server.js';
import { DaemonProcess, FIXTURES, freshRoot, ok, run } from '../helpers/cli.js';
import { readRunEvents, startsPerJob } from '../helpers/run-records.js';
import { recordFile, waitAllFinished } from '../helpers/jobs.js';

let zk: ZkCluster;
const daemons: DaemonProcess[] = [];
const dir = mkdtempSync(path.join(os.tmpdir(), 'zkjobs-conf-'));

before(async () => {
  zk = await startStandalone();
});
after(async () => {
  await Promise.all(daemons.map((d) => d.stop()));
  await zk?.stop();
});

function writeConfig(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

test('an unknown key or a bad value is refused, naming file and line', async () => {
  const cases: [string[], RegExp][] = [
    [['# comment', 'slots = 2', 'colour = blue'], /:3: unknown key 'colour'$/],
    [['slots = many'], /:1: 'slots' must be a whole number of at least 1, got 'many'$/],
    [['[queue gpu]', 'slots = 2'], /:2: unknown key 'slots' in \[queue gpu\]$/],
    [['[queue ../x]', 'allow_shell = yes'], /:2: invalid queue name/],
    [['allow_shell = perhaps'], /:1: 'allow_shell' must be yes or no/],
    [['just words'], /:1: expected 'key = value'/],
  ];
  for (const [i, [lines, message]] of cases.entries()) {
    const file = writeConfig(`bad${i}.conf`, lines);
    const r = await run('zkjobd', ['--config', file]);
    assert.equal(r.code, 65, r.stderr);
    assert.match(r.stderr.trim(), new RegExp(`^zkjobd: ${file.replace(/[/.]/g, '\\$&')}${message.source}`));
  }
});

test('SIGHUP under load: more slots and a new queue, no job dropped; a bad file is rejected', async () => {
  const root = freshRoot();
  // Said explicitly: a root daemon runs no job as root otherwise, and the jobs write into this runner's temp dir.
  const runAs = process.getuid?.() === 0 ? ['run_as = root'] : [];
  const base = [`zk = ${zk.connectString}`, `root = ${root}`, 'node_id = reloader', 'queues = alpha', 'session_timeout = 4s', ...runAs];
  const file = writeConfig('zkjobd.conf', [...base, `spool_dir = ${dir}/spool`, 'slots = 1']);
  // Configured by the file alone: the helper's usual flags would override it.
  const real = new DaemonProcess({ zk: '', root: '', nodeId: 'reloader', raw: ['--config', file] });
  daemons.push(real);
  await real.started();

  const record = recordFile('reload');
  const client = { env: { ZKJOBS_CONFIG: file } };
  const ids = await submitRecordedWithEnv(record, 30, client.env);
  await waitFor('jobs to flow', () => readRunEvents(record).length >= 4, 20_000);
  writeConfig('zkjobd.conf', [...base.map((l) => (l === 'queues = alpha' ? 'queues = alpha,beta' : l)), `spool_dir = ${dir}/spool`, 'slots = 3']);
  real.signal('SIGHUP');
  await real.waitForLog(/configuration reloaded .*slots=3 queues=alpha,beta/);
  const beta = await run('zkjobc', ['submit', '-q', 'beta', '--wait', '--', 'true'], client);
  assert.equal(beta.code, 0, `a job on the new queue runs: ${beta.stderr}`);

  writeFileSync(file, 'slots = none\n');
  real.signal('SIGHUP');
  await real.waitForLog(/configuration rejected, the old one stays in force: .*zkjobd.conf:1:/);
  const results = await waitAllFinished(zk.connectString, root, ids.length, 60_000, 'alpha');
  assert.ok(results.every((r) => r.state === 'succeeded'));
  assert.ok([...startsPerJob(readRunEvents(record)).values()].every((n) => n === 1), 'no job ran twice');
  // The client itself refuses the broken file (exit 65): give it the connection as flags.
  assert.equal((await run('zkjobc', ['submit', '-q', 'alpha'], client)).code, 65);
  assert.equal((await run('zkjobc', ['submit', '--zk', zk.connectString, '--root', root, '-q', 'alpha', '--wait', '--', 'true'], { env: { ZKJOBS_CONFIG: '/dev/null' } })).code, 0, 'still serving after the bad file');
  assert.ok(real.alive);
});

test('SIGHUP re-reads tags: a job waiting for a tag the node did not offer runs once the file offers it', async () => {
  const root = freshRoot();
  const runAs = process.getuid?.() === 0 ? ['run_as = root'] : [];
  const base = [`zk = ${zk.connectString}`, `root = ${root}`, 'node_id = retagged', 'queues = alpha', 'session_timeout = 4s', `spool_dir = ${dir}/spool-tags`, ...runAs];
  const file = writeConfig('tags.conf', [...base, 'tags = red']);
  const daemon = new DaemonProcess({ zk: '', root: '', nodeId: 'retagged', raw: ['--config', file] });
  daemons.push(daemon);
  await daemon.started();
  const client = { env: { ZKJOBS_CONFIG: file } };
  const id = (await ok('zkjobc', ['submit', '-q', 'alpha', '--require', 'blue', '--', 'true'], client)).trim();
  const tagsOfNode = async () => (JSON.parse((await ok('zkjobq', ['nodes', '--json'], client)).split('\n')[0]) as { record?: { tags?: string[] } }).record?.tags;
  assert.ok((await tagsOfNode())?.includes('red'));
  // A node that does not offer blue never claims it: it waits, saying why.
  assert.match(await ok('zkjobc', ['status', id], client), /pending/);

  writeConfig('tags.conf', [...base, 'tags = red,blue']);
  daemon.signal('SIGHUP');
  await daemon.waitForLog(/configuration reloaded/);
  await waitFor('the job to run after the reload', async () => /succeeded/.test(await ok('zkjobc', ['status', id], client)), 20_000);
  await waitFor('the node record to offer the new tag', async () => (await tagsOfNode())?.includes('blue'), 10_000);
  assert.ok(daemon.alive);
});

async function submitRecordedWithEnv(record: string, count: number, env: Record<string, string>): Promise<string[]> {
  const line = JSON.stringify([path.join(FIXTURES, 'record-run.sh'), record, '0.3']);
  return (await ok('zkjobc', ['submit', '-q', 'alpha', '--batch', '-'], { env, input: Array.from({ length: count }, () => line).join('\n') })).trim().split('\n');
}

test('zkjobd --check-config: 0 and OK for a good file, 65 naming the line for a bad one, 64 for a bad flag', async () => {
  const example = path.join(FIXTURES, '..', '..', 'etc', 'zkjobd.conf.example');
  const good = await run('zkjobd', ['--check-config', '--config', example]);
  assert.equal(good.code, 0, good.stderr);
  assert.equal(good.stdout, `zkjobd: ${example}: OK\n`);
  const badFile = writeConfig('check-bad.conf', ['slots = 2', '[queue gpu]', 'max_running = lots']);
  const bad = await run('zkjobd', ['--check-config', '--config', badFile]);
  assert.equal(bad.code, 65);
  assert.equal(bad.stderr, `zkjobd: ${badFile}:3: 'max_running' must be a whole number or 'none', got 'lots'\n`);
  const badFlag = await run('zkjobd', ['--check-config', '--config', example, '--spool-max', 'huge']);
  assert.equal(badFlag.code, 64, badFlag.stderr);
});
