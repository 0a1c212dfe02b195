// The usual command line — a known subcommand, its declared options with
// valid values, its positionals — read without yargs. Building a yargs
// parser and running it was most of a `zkjobc submit`'s own CPU (docs/
// speed.md): yargs renders the whole help text on every run to cache it,
// and loading it evaluates cliui and string-width's tables.
//
// The options are each command's own declaration (its builder, run here
// against a recorder instead of yargs), and the words are split by
// yargs-parser, the tokenizer yargs itself uses, with the options yargs
// would give it: a line read here means what it means to yargs (a test
// compares the two on every command). Anything else — --help, --version,
// an unknown option, a missing or extra argument, a bad value, a builder
// that declares more than options and positionals — is left to yargs
// (`null`), which says it in the documented words and exit codes.
import parser from 'yargs-parser';
import type { CommandModule } from 'yargs';
import { lastOneWins } from './last-one-wins.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCommand = CommandModule<any, any>;
type Args = Record<string, unknown> & { _: (string | number)[]; $0: string };

interface OptionSpec {
  alias?: string | string[];
  type?: string;
  array?: boolean;
  boolean?: boolean;
  string?: boolean;
  number?: boolean;
  default?: unknown;
  describe?: string;
  description?: string;
  desc?: string;
  choices?: unknown[];
  requiresArg?: boolean;
  hidden?: boolean;
  defaultDescription?: string;
  group?: string;
  /** Only from a positional of the command string (`<job>`): satisfied once it is filled. */
  demand?: boolean;
}

/** Option fields that only describe (help text) or that the checks below cover. */
const UNDERSTOOD = new Set(['alias', 'type', 'array', 'boolean', 'string', 'number', 'default', 'describe', 'description', 'desc', 'choices', 'requiresArg', 'hidden', 'defaultDescription', 'group', 'demand']);
/** yargs keeps only these fields of a positional's declaration (yargs' positional()). */
const POSITIONAL_FIELDS = new Set(['default', 'defaultDescription', 'implies', 'normalize', 'choices', 'conflicts', 'coerce', 'type', 'describe', 'desc', 'description', 'alias']);

interface Positional {
  key: string;
  aliases: string[];
  demanded: boolean;
  variadic: boolean;
}

/** A command as it declares itself: its name, positionals, options, parser configuration. */
export interface Declared {
  name: string;
  positionals: Positional[];
  options: Map<string, OptionSpec>;
  configuration: Record<string, boolean>;
}

/** 'limit <queue> [max]' → its name and positionals, as yargs reads a command string. */
function parseCommandString(command: string): { name: string; positionals: Positional[] } | null {
  const [name, ...words] = command.replace(/\s{2,}/g, ' ').trim().split(' ');
  const positionals: Positional[] = [];
  for (const word of words) {
    const m = /^([<[])([^\]>]+)([\]>])$/.exec(word);
    if (!m) return null;
    const [key, ...aliases] = m[2].replace(/\.\.$/, '').split('|');
    positionals.push({ key, aliases, demanded: m[1] === '<', variadic: m[2].endsWith('..') });
  }
  return { name, positionals };
}

class Unsupported extends Error {}

/** Runs a command's builder against a recorder of what it declares; null when it does more than the fast path reads. */
export function declare(command: AnyCommand): Declared | null {
  if (typeof command.command !== 'string' || typeof command.builder !== 'function') return null;
  const parsed = parseCommandString(command.command);
  if (!parsed) return null;
  const declared: Declared = { ...parsed, options: new Map(), configuration: {} };
  const recorder: Record<string, unknown> = {
    option: (key: string, opt: OptionSpec) => {
      for (const field of Object.keys(opt)) if (!UNDERSTOOD.has(field)) throw new Unsupported(field);
      declared.options.set(key, opt);
      return recorder;
    },
    positional: (key: string, opt: OptionSpec) => {
      const p = parsed.positionals.find((x) => x.key === key);
      const kept = Object.fromEntries(Object.entries(opt).filter(([k, v]) => POSITIONAL_FIELDS.has(k) && !(k === 'type' && !['string', 'number', 'boolean'].includes(v as string))));
      // What yargs adds from the command string (its cmdToParseOptions).
      const fromCommand: OptionSpec = p ? { ...(p.variadic ? { array: true, default: [] } : {}), alias: p.aliases, ...(p.demanded ? { demand: true } : {}) } : {};
      const merged: OptionSpec = { ...kept };
      for (const [k, v] of Object.entries(fromCommand)) if (!(k in merged)) (merged as Record<string, unknown>)[k] = v;
      if (p?.variadic) merged.array = true;
      return (recorder.option as (k: string, o: OptionSpec) => unknown)(key, merged);
    },
    parserConfiguration: (config: Record<string, boolean>) => {
      Object.assign(declared.configuration, config);
      return recorder;
    },
  };
  const proxy: unknown = new Proxy(recorder, {
    get(target, prop) {
      if (prop in target) return (...a: unknown[]) => ((target[prop as string] as (...x: unknown[]) => unknown)(...a), proxy);
      throw new Unsupported(String(prop));
    },
  });
  try {
    (command.builder as (y: unknown) => unknown)(proxy);
  } catch (err) {
    if (err instanceof Unsupported) return null;
    throw err;
  }
  return declared;
}

interface ParserOptions {
  alias: Record<string, string[]>;
  array: string[];
  boolean: string[];
  string: string[];
  number: string[];
  default: Record<string, unknown>;
  narg: Record<string, number>;
  key: Record<string, boolean>;
  configuration: Record<string, boolean>;
}

/** What yargs hands yargs-parser for this command: its options, and the global help (-h) and version flags. */
function parserOptions(d: Declared): ParserOptions {
  const o: ParserOptions = { alias: { h: ['help'] }, array: [], boolean: ['help', 'version'], string: [], number: [], default: {}, narg: {}, key: { help: true, version: true }, configuration: {} };
  for (const [key, opt] of d.options) {
    o.key[key] = true;
    const aliases = opt.alias === undefined ? [] : [opt.alias].flat();
    if (aliases.length > 0) o.alias[key] = [...(o.alias[key] ?? []), ...aliases];
    if ('default' in opt) o.default[key] = opt.default;
    if (opt.boolean || opt.type === 'boolean') o.boolean.push(key, ...aliases);
    if (opt.array || opt.type === 'array') o.array.push(key, ...aliases);
    if (opt.number || opt.type === 'number') o.number.push(key, ...aliases);
    if (opt.string || opt.type === 'string') o.string.push(key, ...aliases);
    if (opt.requiresArg) o.narg[key] = NaN;
  }
  return o;
}

/** The positionals' words as yargs reads them: again through yargs-parser, as `--KEY WORD`, with the command string's own defaults. */
function positionalValues(d: Declared, main: ParserOptions, words: Map<string, string[]>): Record<string, unknown> | null {
  const o: ParserOptions = { ...main, alias: { ...main.alias }, array: [...main.array], default: { ...main.default } };
  for (const p of d.positionals) {
    if (p.variadic) o.array.push(p.key);
    if (p.variadic && !(p.key in o.default)) o.default[p.key] = [];
    o.alias[p.key] = [...(o.alias[p.key] ?? []), ...p.aliases];
  }
  const unparsed = [...words].flatMap(([key, values]) => values.flatMap((v) => [`--${key}`, v]));
  if (unparsed.length === 0) return {};
  const parsed = parser.detailed(unparsed, { ...o, configuration: { ...main.configuration, 'populate--': false } });
  if (parsed.error) return null;
  const keys = [...words.keys()].flatMap((k) => [k, ...(parsed.aliases[k] ?? [])]);
  return Object.fromEntries(Object.entries(parsed.argv).filter(([k]) => keys.includes(k)));
}

/** Every key a declared option or positional sets: its name, its aliases, and their camelCase forms (yargs-parser's expansion). */
function knownKeys(d: Declared): Set<string> {
  const names = ['_', '--', 'help', 'h', 'version'];
  for (const [key, opt] of d.options) names.push(key, ...(opt.alias === undefined ? [] : [opt.alias].flat()));
  for (const p of d.positionals) names.push(p.key, ...p.aliases);
  return new Set(names.flatMap((n) => [n, n.includes('-') ? n.toLowerCase().replace(/-+(.)/g, (_, c: string) => c.toUpperCase()) : n]));
}

/** Does yargs accept this value for this option as it is? (Otherwise it says why, in its words.) */
function acceptable(value: unknown, opt: OptionSpec): boolean {
  if (typeof value === 'number' && Number.isNaN(value)) return false;
  if (opt.requiresArg && value === '') return false;
  if (opt.choices && value !== undefined && ![value].flat().every((v) => opt.choices!.includes(v))) return false;
  return true;
}

/**
 * The arguments yargs would hand the command's handler for this command
 * line (without node and the script), or null when yargs must read it.
 * `name` is the program's ($0).
 */
export function fastArgs(program: string, command: AnyCommand, argv: readonly string[]): Args | null {
  const d = declare(command);
  if (!d || argv[0] !== d.name) return null;
  const main = parserOptions(d);
  main.configuration = { 'parse-positional-numbers': false, ...d.configuration, 'populate--': true };
  const parsed = parser.detailed([...argv], main) as parser.DetailedArguments & { defaulted: Record<string, boolean> };
  const args = parsed.argv as Args;
  if (parsed.error || 'help' in args || 'version' in args) return null;
  // A word after the command is a positional; `help` as the last one asks for help.
  const words = args._.map(String);
  if (words[0] !== d.name || words.at(-1) === 'help') return null;
  const rest = words.slice(1);
  const filled = new Map<string, string[]>();
  for (const p of d.positionals) {
    if (p.key in args && !(p.key in parsed.defaulted)) return null;
    if (p.variadic) filled.set(p.key, rest.splice(0));
    else if (rest.length > 0) filled.set(p.key, [rest.shift()!]);
    else if (p.demanded) return null;
  }
  if (rest.length > 0 || (d.positionals.some((p) => p.variadic && p.demanded && filled.get(p.key)!.length === 0))) return null;
  if (!d.configuration['populate--'] && (args['--'] as unknown[] | undefined)?.length) return null;
  if (!d.configuration['populate--']) delete args['--'];
  const values = positionalValues(d, main, filled);
  if (!values) return null;
  Object.assign(args, values);
  args._ = [d.name];
  const known = knownKeys(d); // once: built per key, it was 4% of a cached submit's samples
  if (Object.keys(args).some((k) => !known.has(k))) return null;
  lastOneWins(args, new Set(main.array));
  for (const [key, opt] of d.options) if (!acceptable(args[key], opt)) return null;
  args.$0 = program;
  return args;
}
