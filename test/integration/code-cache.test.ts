// The CLIs' V8 code cache (scripts/start-bundle.cjs): made by a first run in
// a directory only the user can write, used as it is by later runs, made
// again when V8 refuses it, and never used from a directory others can
// write, since V8 runs what it loads from there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, ok } from '../helpers/cli.js';

const VERSION = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

function scratch(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'zkjobs-code-cache-'));
}

async function version(env: Record<string, string>): Promise<void> {
  assert.equal(await ok('zkjobq', ['--version'], { env }), `zkjobq ${VERSION}\n`);
}

function cacheFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).map((f) => path.join(dir, f)) : [];
}

test('a first run makes a private cache, later runs use it as it is, and one V8 refuses is made again', async () => {
  const xdg = scratch();
  const dir = path.join(xdg, 'zkjobs');
  await version({ XDG_CACHE_HOME: xdg });
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  const [file, ...more] = cacheFiles(dir);
  assert.deepEqual(more, [], 'one cache for the one command run');
  assert.match(path.basename(file), /^zkjobq-none-v\d+\.\d+\.\d+-\w+-\d+-\d+\.v8$/);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const made = statSync(file).ino;

  await version({ XDG_CACHE_HOME: xdg });
  assert.equal(statSync(file).ino, made, 'a cache V8 accepted is not written again');

  writeFileSync(file, 'not a code cache', { mode: 0o600 });
  await version({ XDG_CACHE_HOME: xdg });
  assert.notEqual(readFileSync(file, 'utf8'), 'not a code cache', 'a refused cache is replaced');
  assert.ok(statSync(file).size > 10_000);

  await ok('zkjobq', ['list', '--help'], { env: { XDG_CACHE_HOME: xdg } });
  assert.ok(cacheFiles(dir).some((f) => path.basename(f).startsWith('zkjobq-list-')), 'each subcommand keeps its own');
});

test('no cache is read or made in a directory others can write, nor without a home', async () => {
  const xdg = scratch();
  const dir = path.join(xdg, 'zkjobs');
  await version({ XDG_CACHE_HOME: xdg });
  const [file] = cacheFiles(dir);
  // Another user's code for V8 to run: the program must neither load it nor write beside it.
  writeFileSync(file, 'planted by someone else');
  chmodSync(dir, 0o777);
  await version({ XDG_CACHE_HOME: xdg });
  assert.equal(readFileSync(file, 'utf8'), 'planted by someone else');
  assert.deepEqual(cacheFiles(dir), [file]);

  // A service account's home may be /nonexistent: nothing is made there.
  const home = path.join(scratch(), 'nonexistent');
  await version({ XDG_CACHE_HOME: '', HOME: home });
  assert.equal(existsSync(home), false);
});
