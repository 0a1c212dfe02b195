// The documented exit codes of the three programs for usage errors (64) and
// an unreachable ZooKeeper (69).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../helpers/zk-server.js';
import { run } from '../helpers/cli.js';

test('bad usage exits 64 with the error and the usage line', async () => {
  const cases: [('zkjobc' | 'zkjobq' | 'zkjobd'), string[]][] = [
    ['zkjobc', []],
    ['zkjobc', ['frobnicate']],
    ['zkjobc', ['submit']],
    ['zkjobc', ['submit', '--no-such-option', '--', 'true']],
    ['zkjobq', []],
    ['zkjobq', ['list', '--bogus']],
    ['zkjobd', ['--slots', '0']],
    ['zkjobd', ['--slots', 'many']],
    ['zkjobd', ['--session-timeout', 'soon']],
  ];
  for (const [program, args] of cases) {
    const r = await run(program, args);
    assert.equal(r.code, 64, `${program} ${args.join(' ')} → ${r.code}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 2, `error and usage line: ${r.stderr}`);
    assert.match(lines[0], new RegExp(`^${program}: `));
    assert.match(lines[1], new RegExp(`^Usage: ${program}`));
  }
});

test('ZooKeeper unreachable: one line on stderr and exit 69', async () => {
  const port = await freePort();
  const zk = `127.0.0.1:${port}`;
  const cases: [('zkjobc' | 'zkjobq'), string[]][] = [
    ['zkjobc', ['submit', '--zk', zk, '--connect-timeout', '800', '--', 'true']],
    ['zkjobc', ['status', '--zk', zk, '--connect-timeout', '800', 'default/0000000001']],
    ['zkjobq', ['list', '--zk', zk, '--connect-timeout', '800']],
  ];
  for (const [program, args] of cases) {
    const r = await run(program, args);
    assert.equal(r.code, 69, `${program} ${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `${program}: cannot connect to ZooKeeper at ${zk} within 800 ms\n`);
  }
});

test('--help exits 0 and describes the options', async () => {
  const r = await run('zkjobc', ['submit', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--wait/);
  assert.match(r.stdout, /--queue/);
});
