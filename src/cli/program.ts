// What the three programs share: connection options, the ZooKeeper session
// of one command, and the mapping of every error to one stderr line and a
// documented exit code (64 usage, 65 bad data, 69 unavailable, 75 retry).
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { DataError, EXIT, UnavailableError, UsageError, ZkjobsError } from '../errors.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ZkClient } from '../zk/client.js';
import { Paths } from '../zk/paths.js';
import { ZkError, NoAuthError } from '../zk/errors.js';
import { clientDefaults } from '../config.js';
import { zkTlsFrom, type ZkTlsArgs } from '../zk-tls.js';
import { deniedMessage } from './denied.js';
import { commandHandlers, completionCommand, completionSpecs, type Handler } from './completion.js';
import { clearUsageMessage, notANumber, type DeclaredCommand } from './usage-message.js';

export interface ConnectionArgs extends ZkTlsArgs {
  zk: string;
  root: string;
  'connect-timeout': number;
  'zk-auth-file'?: string;
}

/** The connection options (--zk, --root, --connect-timeout, --zk-auth-file, --zk-tls-*), with their environment defaults. */
export function withConnectionOptions<T>(y: Argv<T>): Argv<T & ConnectionArgs> {
  // Flags win over ZKJOBS_* variables, which win over the configuration file.
  const file = clientDefaults();
  return y
    .option('zk', {
      requiresArg: true,
      type: 'string',
      describe: 'ZooKeeper connect string host:port[,host:port…] (env ZKJOBS_ZK)',
      default: process.env.ZKJOBS_ZK ?? file.zk ?? '127.0.0.1:2181',
    })
    .option('root', {
      requiresArg: true,
      type: 'string',
      describe: 'root znode of this zkjobs installation (env ZKJOBS_ROOT)',
      default: process.env.ZKJOBS_ROOT ?? file.root ?? '/zkjobs',
    })
    .option('connect-timeout', {
      requiresArg: true,
      type: 'number',
      describe: 'milliseconds to wait for ZooKeeper before giving up with exit 69',
      default: Number(process.env.ZKJOBS_CONNECT_TIMEOUT ?? file.connectTimeout ?? 5000),
    })
    .option('zk-auth-file', {
      requiresArg: true,
      type: 'string',
      describe: 'file holding USER:PASSWORD, the ZooKeeper digest identity to act as (env ZKJOBS_ZK_AUTH holds it directly)',
      default: file.zkAuthFile,
    })
    .option('zk-tls-ca', {
      requiresArg: true,
      type: 'string',
      describe: "TLS to ZooKeeper: PEM file of the CA that signed the servers' certificates (env ZKJOBS_ZK_TLS_CA)",
      default: process.env.ZKJOBS_ZK_TLS_CA || file.zkTlsCa,
    })
    .option('zk-tls-cert', {
      requiresArg: true,
      type: 'string',
      describe: "TLS to ZooKeeper: PEM file of this client's certificate (env ZKJOBS_ZK_TLS_CERT)",
      default: process.env.ZKJOBS_ZK_TLS_CERT || file.zkTlsCert,
    })
    .option('zk-tls-key', {
      requiresArg: true,
      type: 'string',
      describe: "TLS to ZooKeeper: PEM file of that certificate's unencrypted key (env ZKJOBS_ZK_TLS_KEY)",
      default: process.env.ZKJOBS_ZK_TLS_KEY || file.zkTlsKey,
    }) as Argv<T & ConnectionArgs>;
}

/** The digest identity to authenticate with: --zk-auth-file, else ZKJOBS_ZK_AUTH. */
export function zkAuth(args: ConnectionArgs): string | undefined {
  if (args['zk-auth-file']) {
    try {
      return readFileSync(args['zk-auth-file'], 'utf8').trim();
    } catch (err) {
      throw new DataError(`cannot read ${args['zk-auth-file']}: ${(err as Error).message}`);
    }
  }
  return process.env.ZKJOBS_ZK_AUTH || undefined;
}

export interface Session {
  zk: ZkClient;
  paths: Paths;
}

/** Run one command's body with a ZooKeeper session that is always closed afterwards. */
export async function withSession<R>(args: ConnectionArgs, body: (s: Session) => Promise<R>): Promise<R> {
  if (!args.root.startsWith('/')) throw new UsageError(`--root must be an absolute znode path, got '${args.root}'`);
  const zk = await ZkClient.connect({ connect: args.zk, connectTimeoutMs: args['connect-timeout'], auth: zkAuth(args), tls: zkTlsFrom(args) });
  const lost = connectionWatchdog(zk, args);
  try {
    const running = body({ zk, paths: new Paths(args.root) });
    // Given up on: whatever it still tries fails once the session is closed.
    running.catch(() => undefined);
    return await Promise.race([running, lost.promise]);
  } finally {
    lost.stop();
    zk.close();
  }
}

/**
 * A command whose connection drops waits for it as long as it would wait
 * for a first connection (--connect-timeout), then gives up with exit 69
 * and says so, instead of retrying in silence. A blip shorter than that
 * goes unnoticed (the retry policy sees it through).
 */
function connectionWatchdog(zk: ZkClient, args: ConnectionArgs): { promise: Promise<never>; stop(): void } {
  let timer: NodeJS.Timeout | null = null;
  let fail: (err: Error) => void = () => undefined;
  const promise = new Promise<never>((_, reject) => (fail = reject));
  promise.catch(() => undefined);
  const ms = args['connect-timeout'];
  const onDisconnected = () => {
    timer ??= setTimeout(() => fail(new UnavailableError(`lost the connection to ZooKeeper at ${args.zk} and it did not come back within ${ms} ms`)), ms);
  };
  const onReconnected = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  const onExpired = () => fail(new UnavailableError(`the ZooKeeper session with ${args.zk} expired; nothing more was done`));
  zk.on('disconnected', onDisconnected);
  zk.on('reconnected', onReconnected);
  zk.on('expired', onExpired);
  return {
    promise,
    stop: () => {
      onReconnected();
      zk.off('disconnected', onDisconnected);
      zk.off('reconnected', onReconnected);
      zk.off('expired', onExpired);
    },
  };
}

/** Build a program's parser with the shared failure handling, run it, exit with its code. */
export async function runProgram(name: string, usage: string, build: (y: Argv) => Argv): Promise<void> {
  let parser: Argv;
  try {
    parser = buildParser(name, usage, build);
  } catch (err) {
    process.exitCode = report(name, usage, err);
    return;
  }
  try {
    await parser.parseAsync();
    process.exitCode ??= EXIT.OK;
  } catch (err) {
    process.exitCode = report(name, usage, err);
  }
}

function buildParser(name: string, usage: string, build: (y: Argv) => Argv): Argv {
  const parser = build(yargs(hideBin(process.argv)).scriptName(name).usage(`Usage: ${usage}`))
    .strict()
    .help()
    .alias('h', 'help')
    .version('version', 'show the version and exit', `${name} ${packageVersion()}`)
    // yargs renders the whole help text on every run (to cache it), and
    // wrapping it to the terminal was a third of a `zkjobc submit`'s own
    // CPU (node --cpu-prof: cliui's wrapAnsi and stringWidth). Only --help
    // prints that text (usage errors print our one-line usage), so only
    // --help wraps.
    .wrap(wantsHelp(hideBin(process.argv)) ? Math.min(100, process.stdout.columns ?? 100) : null)
    .fail((message, err) => {
      // yargs's own parse errors (YError) are usage errors too; ours pass through.
      if (err && err.name !== 'YError') throw err;
      throw new UsageError(clearUsageMessage(err?.message ?? message, hideBin(process.argv), commands));
    });
  let handlers: Record<string, Handler> = {};
  parser.command(completionCommand(name, () => completionSpecs(handlers, build)));
  handlers = commandHandlers(parser);
  const commands = declaredCommands(handlers);
  // A repeated option: the last one wins, as with every Unix tool; array options still collect.
  const declared = parser as unknown as { getOptions(): YargsOptions };
  parser.middleware((argv) => {
    const options = declared.getOptions();
    lastOneWins(argv, new Set(options.array));
    rejectNaN(argv, options);
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
function rejectNaN(argv: Record<string, unknown>, options: YargsOptions): void {
  for (const key of options.number) {
    if (typeof argv[key] === 'number' && Number.isNaN(argv[key])) throw new UsageError(notANumber(key, options.alias[key] ?? [], hideBin(process.argv)));
  }
}

function lastOneWins(argv: Record<string, unknown>, arrays: Set<string>): void {
  for (const [key, value] of Object.entries(argv)) {
    if (key !== '_' && key !== '--' && Array.isArray(value) && !arrays.has(key)) argv[key] = value.at(-1);
  }
}

function report(name: string, usage: string, err: unknown): number {
  if (err instanceof UsageError) {
    process.stderr.write(`${name}: ${err.message}\nUsage: ${usage}\n`);
    return err.exitCode;
  }
  if (err instanceof ZkjobsError) {
    process.stderr.write(`${name}: ${err.message}\n`);
    return err.exitCode;
  }
  if (err instanceof NoAuthError) {
    process.stderr.write(`${name}: ${deniedMessage(err)}\n`);
    return EXIT.NOPERM;
  }
  if (err instanceof ZkError) {
    process.stderr.write(`${name}: ZooKeeper error: ${err.message}\n`);
    return EXIT.TEMPFAIL;
  }
  process.stderr.write(`${name}: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
  return EXIT.SOFTWARE;
}

/** A diagnostic that does not fail the command: one line on stderr, after the program's name (nothing for null). */
export function warn(line: string | null): void {
  if (line !== null) process.stderr.write(`${path.basename(process.argv[1] ?? 'zkjobs')}: ${line}\n`);
}

/** Print data to stdout: a table row per line, or JSON with --json. */
export function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Output lines written in chunks: one write per line costs more than the work for a batch of thousands. */
export class LineBuffer {
  private lines: string[] = [];

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length >= 1000) this.flush();
  }

  flush(): void {
    if (this.lines.length === 0) return;
    process.stdout.write(`${this.lines.join('\n')}\n`);
    this.lines = [];
  }
}
