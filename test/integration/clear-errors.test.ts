// Misleading errors (issue 12, bug 8): every bad input is one clear zkjobs
// line with a documented exit code, at once: never a raw yargs message, a
// NaN, a wait of the whole connect timeout for a connect string that can
// never work, or a raw "connection loss (-4) at /path" after a long silence.
import { test } from 'node:test';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { freshRoot, ok, run } from '../helpers/cli.js';
import { standaloneFixture } from '../helpers/fixture.js';
import { startStandalone } from '../helpers/zk-server.js';

const fixture = standaloneFixture();

/** One line naming the program, then the usage line; exit 64. */
function usageError(r: { code: number | null; stderr: string; stdout: string }, program: string, message: RegExp, what: string): void {
  assert.equal(r.code, 64, `${what}: ${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.match(lines[0], new RegExp(`^${program}: `), what);
  assert.match(lines[0], message, what);
  assert.deepEqual(lines.slice(1).map((l) => l.startsWith(`Usage: ${program}`)), [true], `${what}: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /Unknown argument|Invalid values|Not enough non-option|NaN/, what);
  assert.equal(r.stdout, '', what);
}

test('a connect string that can never work is a usage error at once (64), not an unreachable ZooKeeper (69) after the timeout', async () => {
  const cases: [string, RegExp][] = [
    ['garbage', /--zk 'garbage': 'garbage' is not HOST:PORT/],
    ['127.0.0.1:99999', /--zk '127\.0\.0\.1:99999': port 99999 is out of range \(1-65535\)/],
    ['127.0.0.1:2181,:5', /'\:5' is not HOST:PORT/],
  ];
  for (const [zk, message] of cases) {
    const spool = mkdtempSync(path.join(os.tmpdir(), 'zkjobs-spool-'));
    const common = ['--zk', zk, '--connect-timeout', '60000'];
    const runs: [string, string[]][] = [
      ['zkjobq', ['stat', ...common]],
      ['zkjobc', ['submit', ...common, '--', 'true']],
      ['zkjobd', [...common, '--node-id', 'n', '--status-bind', 'none', '--spool-dir', spool]],
    ];
    for (const [program, args] of runs) {
      const started = Date.now();
      // A connect timeout far longer than the test allows: only a check before connecting passes.
      const r = await run(program as 'zkjobq', args, { timeoutMs: 30_000 });
      usageError(r, program, message, `${program} --zk ${zk}`);
      assert.ok(Date.now() - started < 20_000, `${program} --zk ${zk} answered at once`);
    }
  }
});

test('a number option given a word names the option and the word, never NaN', async () => {
  usageError(await run('zkjobd', ['--slots', 'abc']), 'zkjobd', /^zkjobd: --slots must be a number, got 'abc'$/, 'zkjobd --slots abc');
  usageError(await run('zkjobq', ['list', '--limit=many']), 'zkjobq', /^zkjobq: --limit must be a number, got 'many'$/, 'zkjobq list --limit=many');
  usageError(await run('zkjobc', ['status', '--connect-timeout', 'soon', 'q/0000000001']), 'zkjobc', /^zkjobc: --connect-timeout must be a number, got 'soon'$/, 'zkjobc --connect-timeout soon');
});

test("yargs's own messages are said in zkjobs' words", async () => {
  usageError(await run('zkjobq', ['bogus']), 'zkjobq', /^zkjobq: unknown command 'bogus'$/, 'zkjobq bogus');
  usageError(await run('zkjobq', ['stat', '--bogus']), 'zkjobq', /^zkjobq: unknown option --bogus$/, 'zkjobq stat --bogus');
  usageError(await run('zkjobq', ['list', '--state', 'bogus']), 'zkjobq', /^zkjobq: --state must be one of pending, held, running, succeeded, failed, cancelled, finished, got 'bogus'$/, 'list --state bogus');
  usageError(await run('zkjobq', ['purge']), 'zkjobq', /^zkjobq: missing QUEUE$/, 'purge');
  usageError(await run('zkjobc', ['wait']), 'zkjobc', /^zkjobc: missing JOBS$/, 'wait');
  usageError(await run('zkjobc', ['status', 'q/0000000001', '--zk']), 'zkjobc', /^zkjobc: --zk needs a value$|^zkjobc: --zk is empty/, 'status --zk');
});

test('zkjobc wait with ZooKeeper gone says so within the connect timeout, exit 69, no raw path', async () => {
  const zk = await startStandalone();
  try {
    const root = freshRoot();
    const conn = ['--zk', zk.connectString, '--root', root];
    await ok('zkjobq', ['create', ...conn, 'q']);
    const id = (await ok('zkjobc', ['submit', ...conn, '-q', 'q', '--', 'true'])).trim();
    const waiting = run('zkjobc', ['wait', ...conn, '--connect-timeout', '3000', id], { timeoutMs: 60_000 });
    // Give the wait time to connect and arm its watch, then take ZooKeeper away for good.
    await new Promise((r) => setTimeout(r, 3_000));
    const gone = Date.now();
    await zk.members[0].kill();
    const r = await waiting;
    const took = Date.now() - gone;
    assert.equal(r.code, 69, r.stderr);
    assert.match(r.stderr, /^zkjobc: lost the connection to ZooKeeper at \S+ and it did not come back within 3000 ms\n$/);
    assert.doesNotMatch(r.stderr, /\(-4\)|\/queues\//);
    // The client hears of a dead server at once (the socket closes), then waits the connect timeout.
    assert.ok(took < 15_000, `gave up ${took} ms after ZooKeeper went away`);
  } finally {
    await zk.stop();
  }
});
