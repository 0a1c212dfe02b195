// Placement against real daemons and ZooKeeper: jobs that --require tags run
// only on nodes that have them, FIFO holds among the jobs a node may run,
// --cpus takes slots, and a job no live node can run says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { standaloneFixture } from '../helpers/fixture.js';
import { waitFor } from '../helpers/zk-server.js';
import { FIXTURES, freshRoot, ok, run, startDaemon } from '../helpers/cli.js';
import { recordFile } from '../helpers/jobs.js';
import { maxConcurrency, readRunEvents } from '../helpers/run-records.js';

const fixture = standaloneFixture();
const daemons = fixture.daemons;

function conn(root: string): string[] {
  return ['--zk', fixture.zk().connectString, '--root', root];
}

async function statusOf(root: string, id: string): Promise<{ state: string; node: string | null; result: { node: string } | null }> {
  return JSON.parse((await ok('zkjobc', ['status', ...conn(root), '--json', id])).trim());
}

async function submit(root: string, args: string[]): Promise<string> {
  return (await ok('zkjobc', ['submit', ...conn(root), ...args])).trim();
}

test('a gpu job never runs on an untagged node, and runs as soon as a tagged node joins', async () => {
  const root = freshRoot();
  daemons.push(await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'plain', slots: 2 }));
  const gpu = await submit(root, ['--require', 'gpu', '--', 'echo', 'on a gpu']);
  const plain = await submit(root, ['--', 'echo', 'anywhere']);
  // The untagged node runs the later plain job, so it has looked past the gpu job.
  await waitFor('the plain job to finish', async () => (await statusOf(root, plain)).state === 'succeeded', 20_000, 100);
  assert.equal((await statusOf(root, plain)).result?.node, 'plain');
  // Give it every chance to take the gpu job wrongly: several rescans of an idle daemon.
  await new Promise((r) => setTimeout(r, 6_000));
  assert.equal((await statusOf(root, gpu)).state, 'pending');
  const joined = Date.now();
  daemons.push(await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'tagged', slots: 1, args: ['--tags', 'gpu,ssd'] }));
  await waitFor('the gpu job to finish', async () => (await statusOf(root, gpu)).state === 'succeeded', 20_000, 100);
  assert.equal((await statusOf(root, gpu)).result?.node, 'tagged');
  assert.ok(Date.now() - joined < 15_000, 'the tagged node took the job at once, not after a long rescan');
  const nodes = (await ok('zkjobq', ['nodes', ...conn(root), '--json'])).trim().split('\n').map((l) => JSON.parse(l));
  const tagged = nodes.find((n) => n.id === 'tagged');
  for (const tag of ['gpu', 'ssd', 'os=linux', `arch=${process.arch}`, 'node=tagged']) assert.ok(tagged.record.tags.includes(tag), `tagged has ${tag}: ${tagged.record.tags}`);
  assert.ok(!nodes.find((n) => n.id === 'plain').record.tags.includes('gpu'));
  assert.match(await ok('zkjobq', ['nodes', ...conn(root)]), /^tagged\s.*\s\S*gpu,\S*ssd\S*$/m);
});

test('FIFO among the jobs a node may run, with jobs it may not run interleaved', async () => {
  const root = freshRoot();
  const record = recordFile('placement');
  await ok('zkjobq', ['create', ...conn(root), 'default']);
  const job = [path.join(FIXTURES, 'record-run.sh'), record, '0'];
  const mine: string[] = [];
  const others: string[] = [];
  for (let i = 0; i < 12; i++) {
    mine.push(await submit(root, ['--', ...job]));
    others.push(await submit(root, ['--require', 'rack9', '--', ...job]));
    if (i % 3 === 0) mine.push(await submit(root, ['--require', 'ssd', '--', ...job]));
  }
  daemons.push(await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'fifo-ssd', slots: 1, args: ['--tags', 'ssd'] }));
  const events = await waitFor(`${mine.length} jobs to end`, () => {
    const e = readRunEvents(record);
    return e.filter((x) => x.kind === 'end').length >= mine.length && e;
  }, 60_000, 100);
  assert.deepEqual(events.filter((e) => e.kind === 'start').map((e) => e.job), mine);
  for (const id of others) assert.equal((await statusOf(root, id)).state, 'pending');
  // zkjobq list shows them in number order, with why they wait.
  const listed = (await ok('zkjobq', ['list', ...conn(root), '--json'])).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(listed.map((j) => j.id), [...mine, ...others].sort());
});

test('--cpus 2 on a 2-slot node runs alone', async () => {
  const root = freshRoot();
  const record = recordFile('cpus');
  await ok('zkjobq', ['create', ...conn(root), 'default']);
  const job = [path.join(FIXTURES, 'record-run.sh'), record, '0.5'];
  const ids = [await submit(root, ['--', ...job]), await submit(root, ['--cpus', '2', '--', ...job]), await submit(root, ['--', ...job]), await submit(root, ['--', ...job])];
  daemons.push(await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'two', slots: 2 }));
  const events = await waitFor('4 jobs to end', () => {
    const e = readRunEvents(record);
    return e.filter((x) => x.kind === 'end').length === 4 && e;
  }, 60_000, 100);
  const big = ids[1];
  const bigStart = events.findIndex((e) => e.kind === 'start' && e.job === big);
  const bigEnd = events.findIndex((e) => e.kind === 'end' && e.job === big);
  const running = new Set<string>();
  for (const [i, e] of events.entries()) {
    if (e.kind === 'start') running.add(e.job);
    else running.delete(e.job);
    if (i >= bigStart && i < bigEnd) assert.deepEqual([...running], [big], `only the 2-cpu job runs while it runs: ${events.map((x) => `${x.kind} ${x.job}`).join(', ')}`);
  }
  // FIFO: the 2-cpu job waited for the first to end, and the later ones waited for it.
  assert.deepEqual(events.filter((e) => e.kind === 'start').map((e) => e.job), ids);
  assert.equal(maxConcurrency(events), 2);
});

test('bad placement input: one clear line, exit 64, nothing submitted', async () => {
  const root = freshRoot();
  await ok('zkjobq', ['create', ...conn(root), 'default']);
  for (const args of [['--require', 'a b'], ['--cpus', '0'], ['--cpus', '1.5'], ['--mem', 'lots']]) {
    const r = await run('zkjobc', ['submit', ...conn(root), ...args, '--', 'true']);
    assert.equal(r.code, 64, `${args.join(' ')}: ${r.stderr}`);
    // One line that says what is wrong (then the usage line every usage error prints).
    assert.match(r.stderr.split('\n')[0], /^zkjobc: .*(tag|cpus|--mem)/, r.stderr);
  }
  assert.equal((await ok('zkjobq', ['list', ...conn(root), '--json'])).trim(), '');
});
