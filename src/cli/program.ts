// What the three programs share: connection options, the ZooKeeper session
// of one command, and the mapping of every error to one stderr line and a
// documented exit code (64 usage, 65 bad data, 69 unavailable, 75 retry).
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { DataError, EXIT, UsageError, ZkjobsError } from '../errors.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ZkClient } from '../zk/client.js';
import { Paths } from '../zk/paths.js';
import { ZkError, NoAuthError } from '../zk/errors.js';
import { clientDefaults } from '../config.js';
import { zkTlsFrom, type ZkTlsArgs } from '../zk-tls.js';

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
      type: 'string',
      describe: 'ZooKeeper connect string host:port[,host:port…] (env ZKJOBS_ZK)',
      default: process.env.ZKJOBS_ZK ?? file.zk ?? '127.0.0.1:2181',
    })
    .option('root', {
      type: 'string',
      describe: 'root znode of this zkjobs installation (env ZKJOBS_ROOT)',
      default: process.env.ZKJOBS_ROOT ?? file.root ?? '/zkjobs',
    })
    .option('connect-timeout', {
      type: 'number',
      describe: 'milliseconds to wait for ZooKeeper before giving up with exit 69',
      default: Number(process.env.ZKJOBS_CONNECT_TIMEOUT ?? file.connectTimeout ?? 5000),
    })
    .option('zk-auth-file', {
      type: 'string',
      describe: 'file holding USER:PASSWORD, the ZooKeeper digest identity to act as (env ZKJOBS_ZK_AUTH holds it directly)',
      default: file.zkAuthFile,
    })
    .option('zk-tls-ca', {
      type: 'string',
      describe: "TLS to ZooKeeper: PEM file of the CA that signed the servers' certificates (env ZKJOBS_ZK_TLS_CA)",
      default: process.env.ZKJOBS_ZK_TLS_CA || file.zkTlsCa,
    })
    .option('zk-tls-cert', {
      type: 'string',
      describe: "TLS to ZooKeeper: PEM file of this client's certificate (env ZKJOBS_ZK_TLS_CERT)",
      default: process.env.ZKJOBS_ZK_TLS_CERT || file.zkTlsCert,
    })
    .option('zk-tls-key', {
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
  try {
    return await body({ zk, paths: new Paths(args.root) });
  } finally {
    zk.close();
  }
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
    .version(false)
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .fail((message, err) => {
      if (err) throw err;
      // yargs spreads some messages over lines ("Invalid values:\n  Argument: …"): one line each.
      throw new UsageError(message.replace(/:?\s*\n\s*/g, ': '));
    });
  // A repeated option: the last one wins, as with every Unix tool; array options still collect.
  const declared = parser as unknown as { getOptions(): { array: string[] } };
  parser.middleware((argv) => lastOneWins(argv, new Set(declared.getOptions().array)), true);
  return parser;
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
    process.stderr.write(`${name}: not authorized: ${err.path}\n`);
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
