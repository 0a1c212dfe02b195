// The fast path reads a command line exactly as yargs does, or leaves it to
// yargs: for every subcommand of zkjobc and zkjobq (every command module in
// src/cli/zkjobc and src/cli/zkjobq, so a new one is covered by being
// there), command lines made from its own declaration go through both, and
// what the handler would get must be the same. A line yargs refuses must
// never be taken by the fast path.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Argv, CommandModule } from 'yargs';
import { declare, fastArgs, type Declared } from '../../../src/cli/fast-args.js';
import { parseWithYargs } from '../../../src/cli/yargs-program.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCommand = CommandModule<any, any>;

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src/cli');

async function commandsOf(program: string): Promise<AnyCommand[]> {
  const found: AnyCommand[] = [];
  for (const file of readdirSync(path.join(CLI, program)).filter((f) => f.endsWith('.js'))) {
    const module = (await import(path.join(CLI, program, file))) as Record<string, unknown>;
    for (const value of Object.values(module)) {
      const c = value as AnyCommand;
      if (c && typeof c === 'object' && typeof c.command === 'string' && typeof c.handler === 'function') found.push(c);
    }
  }
  return found;
}

/** What yargs hands the handler for this line, or the error it fails with. */
async function viaYargs(program: string, command: AnyCommand, argv: string[]): Promise<{ args?: Record<string, unknown>; error?: unknown }> {
  let args: Record<string, unknown> | undefined;
  // A copy as the handler sees it: yargs goes on to move `--` words into `_` once the handler has started.
  const capture = { ...command, handler: (a: Record<string, unknown>) => void (args = structuredClone(a)) };
  try {
    await parseWithYargs(program, 'usage', (y: Argv) => y.command(capture).demandCommand(1, 'no command given'), argv);
  } catch (error) {
    return { error };
  }
  return { args };
}

/** Keys with undefined values are the same as absent ones to a handler. */
function defined(args: Record<string, unknown> | null | undefined): Record<string, unknown> | null {
  if (!args) return null;
  return Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined));
}

/** A value yargs takes for the option: one of its choices, a number, or a word. */
function sample(key: string, opt: { type?: string; choices?: unknown[]; number?: boolean }, n = 1): string {
  if (opt.choices) return String(opt.choices[n % opt.choices.length]);
  if (opt.type === 'number' || opt.number) return String(7 + n);
  if (key === 'root') return `/r${n}`;
  return `v${n}`;
}

function isBoolean(opt: { type?: string; boolean?: boolean }): boolean {
  return opt.type === 'boolean' || opt.boolean === true;
}

/**
 * From the command's declaration: usual lines, odd ones (a missing value, a
 * bad number or choice, an unknown option, a missing or extra argument),
 * and lines that ask for help or the version, which only yargs answers.
 */
function linesFor(d: Declared): { usual: string[][]; odd: string[][]; help: string[][] } {
  const positionals = d.positionals.filter((p) => p.demanded).map((p) => (p.key.startsWith('job') ? 'default/0000000001' : `q${p.key.length}`));
  const base = [d.name, ...positionals];
  const usual: string[][] = [base];
  const help: string[][] = [[...base, '--help'], [...base, '-h'], [...base, '--version'], [...base, 'help'], [...base, '-wh']];
  const odd: string[][] = [[...base, '--no-such-option', 'x'], [...base, '--no-such-option'], [...base, '-Z']];
  const options = [...d.options].filter(([key]) => !d.positionals.some((p) => p.key === key));
  const all: string[] = [];
  for (const [key, opt] of options) {
    const aliases = [opt.alias ?? []].flat();
    if (isBoolean(opt)) {
      usual.push([...base, `--${key}`], [...base, `--no-${key}`], ...aliases.map((a) => [...base, a.length === 1 ? `-${a}` : `--${a}`]));
      all.push(`--${key}`);
      continue;
    }
    const [v1, v2] = [sample(key, opt, 1), sample(key, opt, 2)];
    usual.push([...base, `--${key}`, v1], [`${d.name}`, `--${key}=${v1}`, ...positionals], [...base, `--${key}`, v1, `--${key}`, v2]);
    for (const a of aliases) usual.push([...base, a.length === 1 ? `-${a}` : `--${a}`, v1]);
    all.push(`--${key}`, v2);
    odd.push([...base, `--${key}`]);
    if (opt.type === 'number') odd.push([...base, `--${key}`, 'abc']);
    if (opt.choices) odd.push([...base, `--${key}`, 'no-such-choice']);
  }
  usual.push([...base, ...all]);
  if (d.positionals.length === 0) odd.push([...base, 'extra']);
  for (const p of d.positionals.filter((x) => x.demanded)) odd.push([d.name]);
  if (d.configuration['populate--']) usual.push([...base, '--', 'echo', '--help', 'x'], [...base, 'echo', 'hi', '--', 'a', '-b']);
  return { usual, odd, help };
}

for (const program of ['zkjobc', 'zkjobq']) {
  test(`${program}: the fast path reads every command's usual lines as yargs does, and leaves the rest to yargs`, async () => {
    const commands = await commandsOf(program);
    assert.ok(commands.length >= 5, `${program}'s commands found`);
    for (const command of commands) {
      const d = declare(command);
      if (!d) continue;
      const { usual, odd, help } = linesFor(d);
      for (const line of [...usual, ...odd]) {
        const fast = fastArgs(program, command, line);
        const slow = await viaYargs(program, command, line);
        if (slow.error) assert.equal(fast, null, `${program} ${line.join(' ')}: yargs refuses it (${(slow.error as Error).message}), the fast path must too`);
        else if (fast !== null || usual.includes(line)) assert.deepEqual(defined(fast), defined(slow.args), `${program} ${line.join(' ')}`);
      }
      // The common lines do take the fast path (otherwise it would be slow, not wrong).
      assert.notEqual(fastArgs(program, command, usual[0]), null, `${program} ${usual[0].join(' ')} takes the fast path`);
      for (const line of help) assert.equal(fastArgs(program, command, line), null, `${program} ${line.join(' ')} is yargs's to answer`);
    }
  });
}

test('a builder that declares more than options and positionals is left to yargs', () => {
  const command: AnyCommand = { command: 'x', describe: 'x', builder: (y: Argv) => y.option('a', { type: 'string' }).check(() => true), handler: () => undefined };
  assert.equal(declare(command), null);
  assert.equal(fastArgs('p', command, ['x', '--a', 'b']), null);
});
