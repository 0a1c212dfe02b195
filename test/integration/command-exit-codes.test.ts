// Every zkjobq command, and zkjobc's job commands, against a real ZooKeeper:
// 64 usage (error line, then the usage line), 65 bad data, 1 no such job or
// queue, 69 ZooKeeper unreachable, 0 for --help; a refused command changes
// nothing in the queue. (77, not authorized: access-control.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { standaloneFixture } from '../helpers/fixture.js';
import { freePort } from '../helpers/zk-server.js';
import { freshRoot, ok, run, startDaemon } from '../helpers/cli.js';

const fixture = standaloneFixture();
const root = freshRoot();
const conn = () => ['--zk', fixture.zk().connectString, '--root', root];
let done: string;
let failed: string;

// Node 20 does not order top-level before hooks: set up once, from the tests.
let setUp: Promise<void> | undefined;
function jobsReady(): Promise<void> {
  setUp ??= (async () => {
    fixture.daemons.push(await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'n1', slots: 1, queues: ['q'] }));
    done = (await ok('zkjobc', ['submit', ...conn(), '-q', 'q', '--wait', '--', 'true'])).trim();
    failed = (await run('zkjobc', ['submit', ...conn(), '-q', 'q', '--wait', '--', 'sh', '-c', 'exit 5'])).stdout.trim();
  })();
  return setUp;
}

type Case = [string[], number, RegExp?];

/** Run each case and check its exit code, its message, and that it said one line (plus the usage line for 64). */
async function expectCodes(program: 'zkjobq' | 'zkjobc', cases: Case[]): Promise<void> {
  await jobsReady();
  for (const [[command, ...args], code, message] of cases) {
    const r = await run(program, [command, ...conn(), ...args]);
    const what = `${program} ${command} ${args.join(' ')}`;
    assert.equal(r.code, code, `${what} → ${r.code}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.match(lines[0], new RegExp(`^${program}: `), what);
    if (message) assert.match(lines[0], message, what);
    assert.deepEqual(lines.slice(1).map((l) => l.startsWith(`Usage: ${program} `)), code === 64 ? [true] : [], `${what}: ${r.stderr}`);
    assert.equal(r.stdout, '', `${what} prints no data`);
  }
}

async function snapshot(): Promise<string> {
  await jobsReady();
  return (await ok('zkjobq', ['list', ...conn(), '--json'])) + (await ok('zkjobq', ['stat', ...conn(), '--json']));
}

test('zkjobq usage errors exit 64, and change nothing', async () => {
  const before = await snapshot();
  await expectCodes('zkjobq', [
    [['list', '--state', 'bogus'], 64, /^zkjobq: --state must be one of pending, held, running, succeeded, failed, cancelled, finished, got 'bogus'$/],
    [['list', '--format', 'JOB,nope'], 64, /unknown column 'NOPE' in --format/],
    [['list', '--json', '--parsable'], 64, /--json and --parsable cannot be combined/],
    [['list', '--limit', '-1'], 64, /--limit must be a whole number/],
    [['show'], 64, /^zkjobq: missing JOB$/],
    [['stat', '--bogus'], 64, /^zkjobq: unknown option --bogus$/],
    [['create'], 64],
    [['create', 'x', '--max-running', '0'], 64, /max running jobs must be a whole number from 1 to 10000/],
    [['delete'], 64],
    [['pause'], 64],
    [['resume'], 64],
    [['limit'], 64],
    [['limit', 'q', 'lots'], 64, /max running jobs must be/],
    [['requeue'], 64],
    [['rm'], 64],
    [['purge'], 64, /^zkjobq: missing QUEUE$/],
    [['purge', 'q', '--state', 'running'], 64, /--state must be one of .*, got 'running'$/],
    [['purge', 'q', '--older-than', 'soon'], 64, /invalid --older-than 'soon'/],
  ]);
  assert.equal(await snapshot(), before, 'nothing changed');
});

test('zkjobq bad data exits 65, missing jobs and queues exit 1, and nothing changes', async () => {
  const before = await snapshot();
  const queueName = /invalid queue name/;
  await expectCodes('zkjobq', [
    [['show', 'nope'], 65, /invalid job id "nope"/],
    [['rm', 'q/abc'], 65, /invalid job id/],
    [['requeue', '../x/1'], 65, queueName],
    [['create', '../x'], 65, queueName],
    [['pause', 'a b'], 65, queueName],
    [['resume', 'a b'], 65, queueName],
    [['delete', '.x'], 65, queueName],
    [['limit', '../x', '2'], 65, queueName],
    [['list', '../x'], 65, queueName],
    [['stat', '../x'], 65, queueName],
    [['purge', '../x', '--yes'], 65, queueName],
    [['list', '--node', '../n'], 65, /invalid node name/],
    [['show', 'q/0000000099'], 1, /no such job q\/0000000099/],
    [['rm', 'q/0000000099'], 1, /no such job/],
    [['requeue', 'q/0000000099'], 1, /no such job/],
    [['list', 'nosuch'], 1, /no such queue 'nosuch'/],
    [['stat', 'nosuch'], 1, /no such queue/],
    [['pause', 'nosuch'], 1, /no such queue/],
    [['resume', 'nosuch'], 1, /no such queue/],
    [['limit', 'nosuch'], 1, /no such queue/],
    [['purge', 'nosuch', '--yes'], 1, /no such queue/],
    [['delete', 'nosuch'], 1, /no such queue/],
  ]);
  assert.equal(await snapshot(), before, 'nothing changed');
});

test('zkjobc job commands: 65 for a bad id, 1 for a missing job or queue, 64 for bad options', async () => {
  const before = await snapshot();
  await expectCodes('zkjobc', [
    [['status', 'bad'], 65, /invalid job id "bad"/],
    [['wait', 'bad'], 65, /invalid job id/],
    [['cancel', 'q/x'], 65, /invalid job id/],
    [['output', '../q/1'], 65, /invalid queue name/],
    [['logs', 'bad'], 65, /invalid job id/],
    [['status', 'q/0000000099'], 1, /no such job q\/0000000099/],
    [['wait', 'q/0000000099'], 1, /no such job/],
    [['cancel', 'q/0000000099'], 1, /no such job/],
    [['cancel', done], 1, /already succeeded; nothing to cancel/],
    [['output', 'q/0000000099'], 1, /no such job/],
    [['logs', 'q/0000000099'], 1, /no such job/],
    [['submit', '-q', 'nosuch', '--', 'true'], 1, /no such queue 'nosuch'/],
    [['submit', '-q', '../q', '--', 'true'], 65, /invalid queue name/],
    [['submit', '-q', 'q'], 64, /no command given/],
    [['submit', '-q', 'q', '--timeout', 'soon', '--', 'true'], 64, /invalid --timeout 'soon'/],
    [['status'], 64],
  ]);
  assert.equal(await snapshot(), before, 'nothing changed');
});

test('ZooKeeper unreachable: every command exits 69 with one line', async () => {
  const dead = ['--zk', `127.0.0.1:${await freePort()}`, '--connect-timeout', '500'];
  const commands: ['zkjobq' | 'zkjobc', string[]][] = [
    ...[['list'], ['show', 'q/0000000001'], ['stat'], ['nodes'], ['create', 'q'], ['delete', 'q'], ['pause', 'q'], ['resume', 'q'], ['limit', 'q', '2'], ['requeue', 'q/0000000001'], ['hold', 'q/0000000001'], ['release', 'q/0000000001'], ['rm', 'q/0000000001'], ['purge', 'q', '--yes']]
      .map((args): ['zkjobq', string[]] => ['zkjobq', args]),
    ...[['submit', '--', 'true'], ['status', 'q/0000000001'], ['wait', 'q/0000000001'], ['cancel', 'q/0000000001'], ['output', 'q/0000000001'], ['logs', 'q/0000000001']]
      .map((args): ['zkjobc', string[]] => ['zkjobc', args]),
  ];
  for (const [program, [command, ...args]] of commands) {
    const r = await run(program, [command, ...dead, ...args]);
    assert.equal(r.code, 69, `${program} ${command}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^${program}: cannot connect to ZooKeeper at 127\\.0\\.0\\.1:\\d+ within 500 ms\\n$`));
  }
});

test('--help exits 0 for every command', async () => {
  const commands: ['zkjobq' | 'zkjobc', string][] = [
    ...['list', 'show', 'stat', 'nodes', 'create', 'delete', 'pause', 'resume', 'limit', 'requeue', 'hold', 'release', 'rm', 'purge', 'digest'].map((c): ['zkjobq', string] => ['zkjobq', c]),
    ...['submit', 'status', 'wait', 'cancel', 'output', 'logs'].map((c): ['zkjobc', string] => ['zkjobc', c]),
  ];
  for (const [program, command] of commands) {
    const r = await run(program, [command, '--help']);
    assert.equal(r.code, 0, `${program} ${command} --help: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`${program} ${command}`));
  }
});

test('zkjobc wait --json prints each final status; wait exits with the first failing code', async () => {
  await jobsReady();
  const waited = await run('zkjobc', ['wait', ...conn(), '--json', done, failed]);
  assert.equal(waited.code, 5);
  const [a, b] = waited.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual([a.id, a.state, b.id, b.state, b.result.exitCode], [done, 'succeeded', failed, 'failed', 5]);
  assert.equal((await run('zkjobc', ['wait', ...conn(), done])).code, 0);
});
