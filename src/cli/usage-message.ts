// yargs's own failure messages ("Unknown argument: bogus", "Invalid values:
// Argument: state, Given: …", "Not enough non-option arguments: got 0, need
// at least 1") said in the words of the rest of zkjobs' messages, one line
// each: what was wrong, with the option as it is typed (--state) and the
// argument by the name the usage line gives it (QUEUE).

/** A command as declared: 'purge <queue>' has the demanded positional 'queue'. */
export interface DeclaredCommand {
  name: string;
  demanded: string[];
}

/**
 * One line for a yargs failure message. `argv` is the command line (without
 * node and the script), `commands` every command of the program.
 */
export function clearUsageMessage(message: string, argv: readonly string[], commands: readonly DeclaredCommand[]): string {
  const oneLine = message.replace(/:?\s*\n\s*/g, ': ');
  for (const [pattern, say] of REWRITES) {
    const m = pattern.exec(oneLine);
    if (m) return say(m, argv, commands);
  }
  return oneLine.charAt(0).toLowerCase() + oneLine.slice(1);
}

type Rewrite = [RegExp, (m: RegExpExecArray, argv: readonly string[], commands: readonly DeclaredCommand[]) => string];

const REWRITES: Rewrite[] = [
  [/^Unknown arguments?: (.*)$/, (m, argv, commands) => unknownArguments(m[1].split(', '), argv, commands)],
  [/^Invalid values: (.*)$/, (m) => invalidValues(m[1])],
  [/^Not enough non-option arguments: got (\d+), need at least (\d+)$/, (m, argv, commands) => missingArguments(Number(m[1]), Number(m[2]), argv, commands)],
  [/^Too many non-option arguments: got (\d+), maximum of (\d+)$/, (m) => `too many arguments: got ${m[1]}, at most ${m[2]} expected`],
  [/^Missing required arguments?: (.*)$/, (m) => `missing ${m[1].split(', ').map(option).join(', ')}`],
  [/^Not enough arguments following: (.*)$/, (m) => `${option(m[1])} needs a value`],
  [/^Arguments (\S+) and (\S+) are mutually exclusive$/, (m) => `${option(m[1])} and ${option(m[2])} cannot be combined`],
  [/^Did you mean (.*)\?$/, (m) => `unknown command; did you mean ${m[1]}?`],
];

function option(name: string): string {
  return name.length === 1 ? `-${name}` : `--${name}`;
}

/** yargs drops the dashes: an option was typed with them, an extra argument without. */
function unknownArguments(names: string[], argv: readonly string[], commands: readonly DeclaredCommand[]): string {
  const first = argv.find((a) => !a.startsWith('-'));
  const said = names.map((name) => {
    const typed = argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`) || a === `-${name}`);
    if (typed) return `option ${typed.split('=')[0]}`;
    // The first word of a program with commands is where a command goes.
    return commands.length > 0 && name === first && !commands.some((c) => c.name === name) ? `command '${name}'` : `argument '${name}'`;
  });
  return `unknown ${said.join(', ')}`;
}

/** "Argument: state, Given: "bogus", Choices: "a", "b"" (one per bad option, joined by ': '). */
function invalidValues(text: string): string {
  const parts = [...text.matchAll(/Argument: (\S+), Given: (.*?), Choices: (.*?)(?=: Argument: |$)/g)];
  if (parts.length === 0) return `invalid value: ${text}`;
  return parts.map((p) => `${option(p[1])} must be one of ${p[3].replace(/"/g, '')}, got ${p[2].replace(/^"|"$/g, "'")}`).join('; ');
}

/** The demanded positionals of the command typed, by the names its usage gives them. */
function missingArguments(got: number, need: number, argv: readonly string[], commands: readonly DeclaredCommand[]): string {
  const command = argv.map((a) => commands.find((c) => c.name === a)).find((c) => c !== undefined);
  const missing = command?.demanded.slice(got) ?? [];
  return missing.length > 0 ? `missing ${missing.map((n) => n.toUpperCase()).join(' ')}` : `missing arguments: got ${got}, need at least ${need}`;
}

/** A number option given something that is not a number: yargs makes it NaN; say what was typed. */
export function notANumber(key: string, aliases: readonly string[], argv: readonly string[]): string {
  const flags = [key, ...aliases].map(option);
  for (let i = 0; i < argv.length; i++) {
    const flag = flags.find((f) => argv[i] === f || argv[i].startsWith(`${f}=`));
    if (flag) return `${option(key)} must be a number, got '${argv[i] === flag ? (argv[i + 1] ?? '') : argv[i].slice(flag.length + 1)}'`;
  }
  return `${option(key)} must be a number`;
}
