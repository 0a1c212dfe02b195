// zkjobq check against a real ZooKeeper while daemons keep running: every
// inconsistency is made by hand, as a stranger with write access would;
// check finds it (exit 1, the finding named), --repair mends it, a second
// check exits 0, and the jobs concerned run exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { standaloneFixture } from '../helpers/fixture.js';
import { waitFor } from '../helpers/zk-server.js';
import { FIXTURES, freshRoot, ok, run, startDaemon } from '../helpers/cli.js';
import { connectTo } from '../helpers/zk.js';
import { recordFile } from '../helpers/jobs.js';
import { readRunEvents, startsPerJob } from '../helpers/run-records.js';
import { plant, under } from '../helpers/tamper.js';
import { reserveSequences } from '../../src/submit.js';
import { formatSeq, parseJobId } from '../../src/job-id.js';
import { digestId } from '../../src/acl.js';
import { encodeJson } from '../../src/record.js';

const fixture = standaloneFixture();
const root = freshRoot();
const conn = () => ['--zk', fixture.zk().connectString, '--root', root];

interface Report {
  found: number;
  repaired: number;
  findings: { queue: string; job: string | null; kind: string; znode: string }[];
  changes: { kind: string; znode: string; action: string; done: boolean }[];
}

async function check(args: string[], code: number): Promise<Report> {
  const r = await run('zkjobq', ['check', ...conn(), '--json', ...args], { timeoutMs: 120_000 });
  assert.equal(r.code, code, `check ${args.join(' ')} exited ${r.code}: ${r.stderr}\n${r.stdout}`);
  return JSON.parse(r.stdout) as Report;
}

function kinds(report: Report): string[] {
  return report.findings.map((f) => `${f.kind} ${f.znode}`).sort();
}

async function submitRecorded(queue: string, record: string): Promise<string> {
  return (await ok('zkjobc', ['submit', ...conn(), '-q', queue, '--', path.join(FIXTURES, 'record-run.sh'), record])).trim();
}

const seqOf = (id: string) => parseJobId(id).seq;

// Node 20 does not order top-level before hooks: set up once, from the tests.
let setUp: Promise<void> | undefined;
function daemonsRunning(): Promise<void> {
  setUp ??= (async () => {
    fixture.daemons.push(await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'n1', slots: 2, queues: ['q', 'lq'] }));
    fixture.daemons.push(await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'n2', slots: 2, queues: ['q', 'lq'] }));
  })();
  return setUp;
}

test('a clean tree checks clean, as table and as JSON', async () => {
  await daemonsRunning();
  await ok('zkjobc', ['submit', ...conn(), '-q', 'q', '--wait', '--', 'true']);
  const r = await run('zkjobq', ['check', ...conn()]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^check: 2 queues, clean$/m);
  assert.equal((await check(['q'], 0)).found, 0);
});

test('hostile job records are found, repaired, and every job still runs exactly once', async () => {
  await daemonsRunning();
  const record = recordFile('check');
  await ok('zkjobq', ['pause', ...conn(), 'q']);
  const finished = await submitRecorded('q', record);
  await ok('zkjobq', ['resume', ...conn(), 'q']);
  await ok('zkjobc', ['wait', ...conn(), finished]);
  await ok('zkjobq', ['pause', ...conn(), 'q']);
  const aliased = await submitRecorded('q', record);
  const blocked = await submitRecorded('q', record);
  const strangerHeld = await submitRecorded('q', record);
  const neverStarted = await submitRecorded('q', record);
  const { zk, paths } = await connectTo(fixture.zk().connectString, root);
  try {
    const spec = (await zk.get(paths.pendingJob('q', seqOf(aliased)))).data;
    const a = seqOf(aliased);
    const misplaced = await reserveSequences(zk, paths, 'q', 1); // a record only in the wrong bucket: not a job
    const empty = await reserveSequences(zk, paths, 'q', 1); // a number with nothing but a claim
    const planted: [string, Buffer | string, ('persistent' | 'ephemeral')?][] = [
      [`pending/0000000000/${a}`, spec], [`pending/0000000000/0${a}`, spec],
      [`pending/0000010000/${formatSeq(misplaced)}`, spec], [`pending/0000010000/${formatSeq(a)}`, spec],
      ['pending/0000000000/evil', 'x'], ['pending/junk/x', 'x'],
      [`claims/${formatSeq(seqOf(blocked))}`, encodeJson({ node: 'ghost', since: 'x' })],
      [`claims/${formatSeq(seqOf(strangerHeld))}`, encodeJson({ node: 'stranger', since: 'x' }), 'ephemeral'],
      [`claims/${formatSeq(empty)}`, encodeJson({ node: 'stranger', since: 'x' }), 'ephemeral'],
      [`pending/0000000000/${formatSeq(seqOf(finished))}`, spec],
      [`claims/${formatSeq(seqOf(finished))}`, encodeJson({ node: 'stranger', since: 'x' }), 'ephemeral'],
      [`results/0000000000/${formatSeq(seqOf(neverStarted))}`, '{garbage'],
      [`cancels/${formatSeq(seqOf(finished))}`, '{}'],
    ];
    for (const [where, data, mode] of planted) await plant(zk, under(paths, 'q', where), data, mode);
    await zk.set(paths.counter('q'), '1');

    const found = await check(['q'], 1);
    const job = (s: number) => formatSeq(s);
    assert.deepEqual(kinds(found), [
      `alias pending/0000000000/${a}`, `alias pending/0000000000/0${a}`,
      `bad-name pending/0000000000/evil`, 'bad-name pending/junk', 'bad-name pending/junk/x',
      `cancel-stale cancels/${job(seqOf(finished))}`,
      `claim-not-daemon claims/${job(seqOf(strangerHeld))}`,
      `claim-persistent claims/${job(seqOf(blocked))}`,
      `claim-with-result claims/${job(seqOf(finished))}`,
      `claim-without-spec claims/${job(empty)}`,
      'counter-behind seq',
      `misplaced pending/0000010000/${job(a)}`, `misplaced pending/0000010000/${job(misplaced)}`,
      `result-unparseable results/0000000000/${job(seqOf(neverStarted))}`,
      `result-with-pending-spec pending/0000000000/${job(seqOf(finished))}`,
      `result-with-pending-spec pending/0000000000/${job(seqOf(neverStarted))}`,
    ].sort());
    assert.ok(found.findings.every((f) => f.queue === 'q'));

    const repaired = await check(['q', '--repair'], 1);
    assert.ok(repaired.changes.every((c) => c.done), JSON.stringify(repaired.changes, null, 1));
    const moved = repaired.changes.find((c) => c.znode === `pending/0000010000/${job(misplaced)}`);
    assert.match(moved!.action, /^deleted; it held the command: \S+record-run\.sh /, 'says what to submit again');
    // An unreadable result decides all the same (it may be a newer zkjobs's):
    // left for the operator, whose documented way out is rm.
    const left = await check(['q'], 1);
    assert.deepEqual(kinds(left), [`result-unparseable results/0000000000/${job(seqOf(neverStarted))}`]);
    await ok('zkjobq', ['rm', ...conn(), neverStarted]);
    assert.equal((await check(['q'], 0)).found, 0, 'clean after the repair');

    await ok('zkjobq', ['resume', ...conn(), 'q']);
    const ids = [aliased, blocked, strangerHeld];
    for (const id of ids) await ok('zkjobc', ['wait', ...conn(), id], { timeoutMs: 60_000 });
    const next = await submitRecorded('q', record); // the counter was raised: a fresh number, a job that runs
    await ok('zkjobc', ['wait', ...conn(), next], { timeoutMs: 60_000 });
    const starts = startsPerJob(readRunEvents(record));
    assert.deepEqual([...starts.entries()].sort(), [...ids, finished, next].map((id) => [id, 1]).sort(), 'each ran exactly once, and nothing else ran');
    assert.equal((await check(['q'], 0)).found, 0);
  } finally {
    zk.close();
  }
});

test('foreign run slots that starve a limited queue are found and repaired; its jobs then run', async () => {
  await daemonsRunning();
  const { zk, paths } = await connectTo(fixture.zk().connectString, root);
  try {
    // Planted before the limit is set: a daemon woken by the new limit takes
    // slots for a moment (and gives them back, the queue being empty), and
    // one of them could be the name planted here.
    await plant(zk, under(paths, 'lq', 'slots/7'), encodeJson({ node: 'ghost', since: 'x' }));
    await plant(zk, under(paths, 'lq', 'slots/x'), '');
    await plant(zk, under(paths, 'lq', 'slots/1'), encodeJson({ node: 'stranger', since: 'x' }), 'ephemeral');
    await ok('zkjobq', ['limit', ...conn(), 'lq', '2']);
    const record = recordFile('slots');
    const ids = [await submitRecorded('lq', record), await submitRecorded('lq', record)];
    const found = await check(['lq'], 1);
    assert.deepEqual(kinds(found), ['bad-name slots/x', 'slot-not-daemon slots/1', 'slot-persistent slots/7']);
    assert.equal(startsPerJob(readRunEvents(record)).size, 0, 'the queue is full of foreign slots: nothing ran');
    const repaired = await check(['lq', '--repair'], 1);
    assert.equal(repaired.repaired, 3, JSON.stringify(repaired.changes));
    for (const id of ids) await ok('zkjobc', ['wait', ...conn(), id], { timeoutMs: 60_000 });
    assert.deepEqual([...startsPerJob(readRunEvents(record)).values()], [1, 1]);
    assert.equal((await check(['lq'], 0)).found, 0);
  } finally {
    zk.close();
  }
});

test('unreadable configs and counters, and missing parents, are repaired to safe values', async () => {
  await daemonsRunning();
  for (const q of ['cfg', 'far', 'bad', 'parts']) await ok('zkjobq', ['create', ...conn(), q]);
  const { zk, paths } = await connectTo(fixture.zk().connectString, root);
  try {
    await zk.set(paths.queue('cfg'), '{"paused":"yes"}');
    await ok('zkjobc', ['submit', ...conn(), '-q', 'far', '--', 'true']);
    await zk.set(paths.counter('far'), '9999999999');
    await zk.set(paths.counter('bad'), 'twelve');
    await zk.delete(paths.cancels('parts'));
    const found = await check(['cfg', 'far', 'bad', 'parts'], 1);
    assert.deepEqual(found.findings.map((f) => `${f.queue} ${f.kind}`).sort(), ['bad counter-unparseable', 'cfg config-unparseable', 'far counter-ahead', 'parts parent-missing']);

    // The counter was set a moment ago: lowering it waits for --counter-quiet.
    const early = await check(['far', '--repair'], 1);
    assert.match(early.changes[0].action, /^skipped: it changed \d+ s ago/);
    assert.equal(early.repaired, 0);
    const repaired = await check(['cfg', 'far', 'bad', 'parts', '--repair', '--counter-quiet', '0'], 1);
    assert.equal(repaired.repaired, 4, JSON.stringify(repaired.changes));
    assert.equal((await check(['cfg', 'far', 'bad', 'parts'], 0)).found, 0);
    assert.deepEqual(JSON.parse((await zk.get(paths.queue('cfg'))).data.toString()), { paused: true, maxRunning: null });
    assert.equal((await zk.get(paths.counter('far'))).data.toString(), '1');
    assert.equal((await zk.get(paths.counter('bad'))).data.toString(), '0');
    assert.match(await ok('zkjobc', ['submit', ...conn(), '-q', 'far', '--', 'true']), /^far\/0000000002$/m);
  } finally {
    zk.close();
  }
});

test('bad arguments exit 64 or 65, a missing queue 1, no ZooKeeper 69, a repair without rights 77', async () => {
  await daemonsRunning();
  const cases: [string[], number, RegExp][] = [
    [['--settle', 'soon'], 64, /invalid --settle 'soon'/],
    [['../x'], 65, /invalid queue name/],
    [['nosuchqueue'], 1, /no such queue 'nosuchqueue'/],
  ];
  for (const [args, code, message] of cases) {
    const r = await run('zkjobq', ['check', ...conn(), ...args]);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.split('\n')[0], message);
    assert.equal(r.stdout, '');
  }
  const down = await run('zkjobq', ['check', '--zk', '127.0.0.1:1', '--root', root, '--connect-timeout', '500']);
  assert.equal(down.code, 69, down.stderr);

  const as = (who: string) => ({ env: { ZKJOBS_ZK_AUTH: `${who}:pw-${who}` } });
  const id = (who: string) => digestId(`${who}:pw-${who}`);
  await ok('zkjobq', ['create', ...conn(), 'rq', '--submitters', id('alice'), '--admins', id('root'), '--daemons', id('worker')], as('root'));
  const { zk, paths } = await connectTo(fixture.zk().connectString, root);
  try {
    await zk.addAuth('digest', 'root:pw-root');
    await plant(zk, under(paths, 'rq', 'pending/evil'), 'x'); // pending/ has the queue's ACL: only admins and daemons delete
  } finally {
    zk.close();
  }
  assert.deepEqual(kinds(await check(['rq'], 1)), ['bad-name pending/evil'], 'anyone may look');
  const refused = await run('zkjobq', ['check', ...conn(), 'rq', '--repair']);
  assert.equal(refused.code, 77, refused.stderr);
  assert.match(refused.stderr, /^zkjobq: not authorized to repair rq\/pending\/evil \(bad-name\)/);
  assert.equal((await run('zkjobq', ['check', ...conn(), 'rq', '--repair'], as('root'))).code, 1);
  assert.equal((await check(['rq'], 0)).found, 0, 'the admin repairs it');
});
