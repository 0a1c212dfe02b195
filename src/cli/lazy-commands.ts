// One module per subcommand, loaded only when that subcommand runs (npm's
// lib/commands model): the programs know their subcommands by name, and a
// script calling `zkjobc submit` in a loop pays for compiling submit's
// code, not for every other command's (nor for what they import).
import type { CommandModule } from 'yargs';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCommand = CommandModule<any, any>;

export interface LazyCommand {
  /** The word that selects it on the command line. */
  name: string;
  load: () => Promise<AnyCommand>;
}

/**
 * The commands to register for this command line, in the order given: only
 * the one named by the first word that is not an option, or all of them
 * when there is none or it is not a command (bare --help, a typo: yargs
 * then lists or suggests them exactly as before).
 */
export async function commandsFor(commands: readonly LazyCommand[], argv: readonly string[] = process.argv.slice(2)): Promise<AnyCommand[]> {
  const word = argv.find((a) => !a.startsWith('-'));
  const chosen = commands.filter((c) => c.name === word);
  return Promise.all((chosen.length > 0 ? chosen : commands).map((c) => c.load()));
}
