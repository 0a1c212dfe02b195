// Each subcommand runs from a bundle of its own (scripts/bundle.mjs), which
// leaves out the program's other subcommands: the starter must pick it for
// every word the dispatcher knows, and the bundle must hold all that its
// subcommand loads, yargs's help included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { REPO, run } from '../helpers/cli.js';

const BUNDLES = path.join(REPO, 'dist', 'bundle');

/** The words a program's dispatcher lists (src/cli/zkjobc.ts, zkjobq.ts). */
function dispatcherWords(program: string): string[] {
  const source = readFileSync(path.join(REPO, 'src', 'cli', `${program}.ts`), 'utf8');
  return [...source.matchAll(/\{ name: '([a-z-]+)', load:/g)].map((m) => m[1]);
}

/** The word → bundle file map the build wrote into the program's starter. */
function starterMap(program: string): Record<string, string> {
  const starter = readFileSync(path.join(BUNDLES, `${program}.js`), 'utf8');
  const map = /, (\{.*\})\);$/m.exec(starter);
  assert.ok(map, `${program}'s starter names its bundles`);
  return JSON.parse(map[1]) as Record<string, string>;
}

function modulesRun(program: string, args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO, 'dist', 'src', 'cli', `${program}.js`), ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

/** Runs `work` over `items`, `width` at a time. */
async function inBatches<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(work));
}

for (const program of ['zkjobc', 'zkjobq'] as const) {
  test(`${program}: every subcommand has a bundle of its own, smaller than the whole program's`, () => {
    const words = dispatcherWords(program);
    assert.ok(words.length >= 8, `${program}'s dispatcher lists its subcommands`);
    const map = starterMap(program);
    assert.deepEqual(Object.keys(map).sort(), [...words].sort());
    const whole = statSync(path.join(BUNDLES, `${program}.bundle.js`)).size;
    for (const [word, file] of Object.entries(map)) {
      assert.notEqual(file, `${program}.bundle.js`, word);
      assert.ok(statSync(path.join(BUNDLES, file)).size < whole, `${word}'s bundle ${file} leaves the other subcommands out`);
    }
  });

  test(`${program}: each subcommand's --help from its bundle is the modules' own`, async () => {
    await inBatches(dispatcherWords(program), 4, async (word) => {
      const [bundled, modules] = await Promise.all([run(program, [word, '--help']), modulesRun(program, [word, '--help'])]);
      assert.equal(bundled.code, 0, `${program} ${word} --help: ${bundled.stderr}`);
      assert.equal(bundled.stdout, modules.stdout, `${program} ${word} --help`);
    });
  });
}
