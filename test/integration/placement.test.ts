// Placement against real daemons and ZooKeeper: jobs that --require tags run
// only on nodes that have them, FIFO holds among the jobs a node may run,
// --cpus takes slots, and a job no live node can run says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
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

async function statusOf(root: string, id: string): Promise<{ state: string; node: string | null; result: { node: string; startedAt?: string | null } | null }> {
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
  // Class buckets are zkjobs's own: zkjobq check finds nothing to repair.
  const checked = await run('zkjobq', ['check', ...conn(root), '--settle', '0s']);
  assert.equal(checked.code, 0, checked.stdout + checked.stderr);
  assert.match(checked.stdout, /clean/);
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
  const starts = events.filter((e) => e.kind === 'start').map((e) => e.job);
  assert.deepEqual(starts.slice(0, 2), ids.slice(0, 2));
  assert.deepEqual(new Set(starts.slice(2)), new Set(ids.slice(2)));
  // The last two start together on the two freed slots, so their own marks may
  // land in either order; the daemon's start times say which it took first.
  const startedAt = await Promise.all(ids.slice(2).map(async (id) => Date.parse((await statusOf(root, id)).result?.startedAt ?? '')));
  assert.ok(startedAt[0] <= startedAt[1], `${ids[2]} started before ${ids[3]}: ${startedAt.join(' ')}`);
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

test('a job no live node can run says why: submit warns (exit 0), status and list show it', async () => {
  const root = freshRoot();
  daemons.push(await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'small', slots: 1 }));
  const cases: [string[], RegExp][] = [
    [['--mem', '64T'], /no live node has 64T of memory/],
    [['--require', 'gpu'], /no live node has tags gpu/],
    [['--cpus', '4'], /no live node has 4 slots/],
  ];
  for (const [args, why] of cases) {
    const r = await run('zkjobc', ['submit', ...conn(root), ...args, '--', 'true']);
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    assert.match(id, /^default\/\d{10}$/);
    assert.match(r.stderr, new RegExp(`^zkjobc: warning: ${id} waits: ${why.source}\\n$`));
    assert.match(await ok('zkjobc', ['status', ...conn(root), id]), new RegExp(`^${id} pending \\(${why.source}\\)`));
    const listed = (await ok('zkjobq', ['list', ...conn(root), '--json'])).trim().split('\n').map((l) => JSON.parse(l));
    assert.match(listed.find((j) => j.id === id).reason, why);
  }
  // A job some live node can run warns of nothing.
  const fine = await run('zkjobc', ['submit', ...conn(root), '--require', 'os=linux', '--', 'true']);
  assert.equal(fine.stderr, '');
  // The queue's default from the configuration file, and --require '' to override it.
  const file = path.join(recordFile('conf'), '..', 'zkjobd.conf');
  writeFileSync(file, '[queue default]\nrequire = gpu, ssd\n');
  const env = { ZKJOBS_CONFIG: file };
  const byDefault = await run('zkjobc', ['submit', ...conn(root), '--', 'true'], { env });
  assert.match(byDefault.stderr, /waits: no live node has tags gpu,ssd/);
  assert.deepEqual((await statusOf(root, byDefault.stdout.trim()) as unknown as { spec: { require: string[] } }).spec.require, ['gpu', 'ssd']);
  const overridden = await run('zkjobc', ['submit', ...conn(root), '--require', '', '--wait', '--', 'true'], { env, timeoutMs: 30_000 });
  assert.equal(overridden.code, 0, overridden.stderr);
});

test('--every-node: a copy per node, pinned; a node killed before its copy runs is reported node lost and wait returns; output per node', async () => {
  const root = freshRoot();
  const nodes = [];
  for (const id of ['e1', 'e2', 'e3']) nodes.push(await startDaemon({ zk: fixture.zk().connectString, root, nodeId: id, slots: 1 }));
  daemons.push(...nodes);
  const [, , e3] = nodes;
  // e3 stays registered but runs nothing, then dies before it gets to its copy.
  e3.signal('SIGSTOP');
  const group = await submit(root, ['--every-node', '--', 'sh', '-c', 'echo "hello from $ZKJOBS_NODE"; echo second line']);
  assert.match(group, /^default\/\d{10}\+3$/);
  e3.signal('SIGKILL');
  // The live daemons end e3's copy once its session is gone, with nobody waiting.
  const first = Number(group.slice(group.indexOf('/') + 1, group.indexOf('+')));
  const e3Copy = `default/${String(first + 2).padStart(10, '0')}`;
  await waitFor("e3's copy to be ended by its peers", async () => (await statusOf(root, e3Copy)).state === 'failed', 30_000, 200);
  const started = Date.now();
  const waited = await run('zkjobc', ['wait', ...conn(root), group], { timeoutMs: 60_000 });
  assert.equal(waited.code, 1, waited.stderr);
  assert.ok(Date.now() - started < 45_000, 'the wait ended once e3 was gone');
  assert.match(waited.stderr, /^e1: default\/\d{10} succeeded exit 0$/m);
  assert.match(waited.stderr, /^e2: default\/\d{10} succeeded exit 0$/m);
  assert.match(waited.stderr, /^e3: default\/\d{10} failed \(node lost\)$/m);
  // Each copy ran on its own node only; e3's never ran anywhere.
  const copies = await Promise.all([0, 1, 2].map((i) => statusOf(root, `default/${String(first + i).padStart(10, '0')}`)));
  assert.deepEqual(copies.map((c) => [c.state, c.result?.node]), [['succeeded', 'e1'], ['succeeded', 'e2'], ['failed', 'e3']]);
  assert.match(await ok('zkjobc', ['status', ...conn(root), e3Copy]), /failed on e3 \(node lost\)/);
  // Output, pdsh | dshbak style, and one file per node.
  const printed = await ok('zkjobc', ['output', ...conn(root), group]);
  assert.equal(printed, 'e1: hello from e1\ne1: second line\ne2: hello from e2\ne2: second line\n');
  const dir = path.join(recordFile('group'), '..', 'out');
  await ok('zkjobc', ['output', ...conn(root), '--dir', dir, group]);
  const { readFileSync } = await import('node:fs');
  assert.equal(readFileSync(path.join(dir, 'e1'), 'utf8'), 'hello from e1\nsecond line\n');
  assert.equal(readFileSync(path.join(dir, 'e2'), 'utf8'), 'hello from e2\nsecond line\n');
  assert.equal(readFileSync(path.join(dir, 'e3'), 'utf8'), '');
});

test('--every-node --wait: exit 0 only if every copy succeeded, else the highest status with a line per node', async () => {
  const root = freshRoot();
  for (const id of ['w1', 'w2']) daemons.push(await startDaemon({ zk: fixture.zk().connectString, root, nodeId: id, slots: 1, args: id === 'w2' ? ['--tags', 'big'] : [] }));
  const all = await run('zkjobc', ['submit', ...conn(root), '--every-node', '--wait', '--', 'sh', '-c', 'test "$ZKJOBS_NODE" = w1 || exit 3'], { timeoutMs: 60_000 });
  assert.equal(all.code, 3, all.stderr);
  assert.match(all.stdout, /^default\/\d{10}\+2\n$/);
  assert.match(all.stderr, /^w1: \S+ succeeded exit 0$/m);
  assert.match(all.stderr, /^w2: \S+ failed exit 3$/m);
  // --require narrows the group to the nodes that have the tags.
  const big = await run('zkjobc', ['submit', ...conn(root), '--every-node', '--require', 'big', '--wait', '--', 'true'], { timeoutMs: 60_000 });
  assert.equal(big.code, 0, big.stderr);
  assert.match(big.stdout, /^default\/\d{10}\+1\n$/);
  assert.equal(big.stderr, '');
  const none = await run('zkjobc', ['submit', ...conn(root), '--every-node', '--require', 'nosuchtag', '--', 'true']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /^zkjobc: no live node with tags nosuchtag serves queue default; nothing submitted\n$/);
});

test('with no daemon left to do it, zkjobc wait itself ends a copy whose node is gone', async () => {
  const root = freshRoot();
  const only = await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'alone', slots: 1 });
  daemons.push(only);
  only.signal('SIGSTOP');
  const group = await submit(root, ['--every-node', '--', 'true']);
  only.signal('SIGKILL');
  const waited = await run('zkjobc', ['wait', ...conn(root), group], { timeoutMs: 60_000 });
  assert.equal(waited.code, 1, waited.stderr);
  assert.match(waited.stderr, /^alone: default\/\d{10} failed \(node lost\)$/m);
});
