// Shell completion generated from the programs' own definitions, checked in
// a real bash: the script loads, registers itself (complete -p), and
// completes commands, options of the command typed, and option values.
// And --version on all three programs, from package.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO, ok, run } from '../helpers/cli.js';

const VERSION = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

/** What bash offers for `line` (the cursor at its end) with the generated script loaded. */
function complete(script: string, program: string, line: string): string[] {
  const words = line.split(' ');
  const probe = `${script}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; COMP_LINE='${line}'; COMP_POINT=\${#COMP_LINE}
_${program}_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', probe], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).sort();
}

test('every program prints its version from package.json', async () => {
  for (const program of ['zkjobc', 'zkjobq', 'zkjobd'] as const) {
    const r = await run(program, ['--version']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${program} ${VERSION}\n`);
  }
});

test('the bash scripts register themselves and complete commands, options and values', async () => {
  const zkjobc = await ok('zkjobc', ['completion', 'bash']);
  const zkjobq = await ok('zkjobq', ['completion', 'bash']);
  const zkjobd = await ok('zkjobd' as 'zkjobc', ['completion', 'bash']);
  for (const [program, script] of [['zkjobc', zkjobc], ['zkjobq', zkjobq], ['zkjobd', zkjobd]]) {
    const r = spawnSync('bash', ['--norc', '--noprofile', '-c', `${script}\ncomplete -p ${program}`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^complete .*-F _${program}_complete ${program}$`, 'm'));
  }
  assert.deepEqual(complete(zkjobc, 'zkjobc', 'zkjobc s'), ['status', 'submit']);
  for (const c of ['cancel', 'completion', 'logs', 'output', 'run', 'status', 'submit', 'wait']) assert.ok(complete(zkjobc, 'zkjobc', 'zkjobc ').includes(c), c);
  assert.ok(complete(zkjobc, 'zkjobc', 'zkjobc submit --').includes('--wait'), 'options of the command typed');
  assert.ok(!complete(zkjobc, 'zkjobc', 'zkjobc status --').includes('--wait'), 'and only of that command');
  assert.deepEqual(complete(zkjobc, 'zkjobc', 'zkjobc submit --qu'), ['--queue']);
  assert.deepEqual(complete(zkjobc, 'zkjobc', 'zkjobc run --cancel'), ['--cancel-on-interrupt']);
  assert.deepEqual(complete(zkjobq, 'zkjobq', 'zkjobq p'), ['pause', 'purge']);
  assert.deepEqual(complete(zkjobq, 'zkjobq', 'zkjobq purge q --state f'), ['failed', 'finished']);
  assert.deepEqual(complete(zkjobq, 'zkjobq', 'zkjobq --zk h:1 de'), ['delete'], 'an option value is not the command');
  assert.deepEqual(complete(zkjobq, 'zkjobq', 'zkjobq completion '), ['bash', 'zsh']);
  assert.deepEqual(complete(zkjobd, 'zkjobd', 'zkjobd --log-level w'), ['warn']);
  assert.ok(complete(zkjobd, 'zkjobd', 'zkjobd --zk h:1 --sl').includes('--slots'));
  assert.deepEqual(complete(zkjobq, 'zkjobq', 'zkjobq --vers'), ['--version']);
});

test('the zsh scripts are zsh autoload functions for the same commands', async () => {
  const script = await ok('zkjobq', ['completion', 'zsh']);
  assert.match(script, /^#compdef zkjobq\n/);
  // Every command of --help's list is offered (read from --help, so new commands need no edit here).
  const offered = /compadd -- ((?:[a-z-]+ ?)+)\n/.exec(script)?.[1].trim().split(' ') ?? [];
  const help = await ok('zkjobq', ['--help']);
  const commands = [...help.matchAll(/^ {2}zkjobq ([a-z-]+)/gm)].map((m) => m[1]);
  assert.ok(commands.length > 10, help);
  assert.deepEqual(offered.sort(), [...new Set(commands)].sort());
  const zsh = spawnSync('sh', ['-c', 'command -v zsh'], { encoding: 'utf8' }).stdout.trim();
  if (zsh) {
    const r = spawnSync(zsh, ['-n', '-c', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
  const bad = await run('zkjobq', ['completion', 'fish']);
  assert.equal(bad.code, 64);
  assert.match(bad.stderr, /^zkjobq: (shell must be one of|--shell must be one of|.*bash, zsh)/);
});
