// The yargs side of the programs: the parser for --help, --version,
// completion, usage errors and zkjobd, loaded only when a command line
// needs it (program.ts runs the usual ones without it).
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { commandHandlers, completionCommand, completionSpecs, type Handler } from './completion.js';
import { clearUsageMessage, notANumber, type DeclaredCommand } from './usage-message.js';
import { lastOneWins } from './last-one-wins.js';

/** Build the program's yargs parser and run the command line through it; failures are thrown, for program.ts to report. */
export async function parseWithYargs(name: string, usage: string, build: (y: Argv) => Argv, argv: readonly string[] = hideBin(process.argv)): Promise<void> {
  await buildParser(name, usage, build, argv).parseAsync();
}

function buildParser(name: string, usage: string, build: (y: Argv) => Argv, argv: readonly string[]): Argv {
  const parser = build(yargs([...argv]).scriptName(name).usage(`Usage: ${usage}`))
    .strict()
    .help()
    .alias('h', 'help')
    .version('version', 'show the version and exit', `${name} ${packageVersion()}`)
    // yargs renders the whole help text on every run (to cache it), and
    // wrapping it to the terminal was a third of a `zkjobc submit`'s own
    // CPU (node --cpu-prof: cliui's wrapAnsi and stringWidth). Only --help
    // prints that text (usage errors print our one-line usage), so only
    // --help wraps.
    .wrap(wantsHelp(argv) ? Math.min(100, process.stdout.columns ?? 100) : null)
    .fail((message, err) => {
      // yargs's own parse errors (YError) are usage errors too; ours pass through.
      if (err && err.name !== 'YError') throw err;
      throw new UsageError(clearUsageMessage(err?.message ?? message, argv, commands));
    });
  let handlers: Record<string, Handler> = {};
  parser.command(completionCommand(name, () => completionSpecs(handlers, build)));
  handlers = commandHandlers(parser);
  const commands = declaredCommands(handlers);
  const declared = parser as unknown as { getOptions(): YargsOptions };
  parser.middleware((args) => {
    const options = declared.getOptions();
    lastOneWins(args, new Set(options.array));
    rejectNaN(args, options, argv);
  }, true);
  return parser;
}

/** The version in package.json, which sits three levels above dist/src/cli both in the tree and where make install puts it. */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function wantsHelp(argv: readonly string[]): boolean {
  return argv.some((a) => a.startsWith('--help') || /^-[^-]*h/.test(a));
}

interface YargsOptions {
  array: string[];
  number: string[];
  alias: Record<string, string[]>;
}

/** The commands as declared ('purge <queue>'), for messages that name a missing argument. */
function declaredCommands(handlers: Record<string, Handler>): DeclaredCommand[] {
  return Object.entries(handlers).map(([name, h]) => ({ name, demanded: h.demanded.map((d) => d.cmd[0]) }));
}

/** yargs turns `--slots abc` into NaN: refuse it with what was typed. */
function rejectNaN(args: Record<string, unknown>, options: YargsOptions, argv: readonly string[]): void {
  for (const key of options.number) {
    if (typeof args[key] === 'number' && Number.isNaN(args[key])) throw new UsageError(notANumber(key, options.alias[key] ?? [], argv));
  }
}
