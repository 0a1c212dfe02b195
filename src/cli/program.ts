// What the three programs share: connection options, the ZooKeeper session
// of one command, and the mapping of every error to one stderr line and a
// documented exit code (64 usage, 65 bad data, 69 unavailable, 75 retry).
import type { Argv, CommandModule } from 'yargs';
import { DataError, EXIT, UnavailableError, UsageError, ZkjobsError } from '../errors.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ZkClient } from '../zk/client.js';
import { Paths } from '../zk/paths.js';
import { ZkError, NoAuthError } from '../zk/errors.js';
import { clientDefaults } from '../config.js';
import { zkTlsFrom, type ZkTlsArgs } from '../zk-tls.js';
import { deniedMessage } from './denied.js';
import { fastArgs } from './fast-args.js';
import { writeStderr, writeStdout } from './stdio.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCommand = CommandModule<any, any>;

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

/**
 * Run a program and exit with its code. The usual command line of one of
 * `commands` (the subcommands loaded for this run) goes straight to its
 * handler (fast-args.ts); anything else — help, version, completion, a
 * usage error, a program without subcommands — to the yargs parser that
 * `build` makes, which is loaded only then.
 */
export async function runProgram(name: string, usage: string, build: (y: Argv) => Argv, commands: readonly AnyCommand[] = []): Promise<void> {
  try {
    const argv = process.argv.slice(2);
    const fast = commands.map((c) => ({ c, args: fastArgs(name, c, argv) })).find((f) => f.args !== null);
    if (fast) await fast.c.handler(fast.args!);
    else await (await import('./yargs-program.js')).parseWithYargs(name, usage, build);
    process.exitCode ??= EXIT.OK;
  } catch (err) {
    process.exitCode = report(name, usage, err);
  }
}

/** One line on stderr for a failure (with the usage line for a usage error), and its exit code. */
export function report(name: string, usage: string, err: unknown): number {
  if (err instanceof UsageError) {
    writeStderr(`${name}: ${err.message}\nUsage: ${usage}\n`);
    return err.exitCode;
  }
  if (err instanceof ZkjobsError) {
    writeStderr(`${name}: ${err.message}\n`);
    return err.exitCode;
  }
  if (err instanceof NoAuthError) {
    writeStderr(`${name}: ${deniedMessage(err)}\n`);
    return EXIT.NOPERM;
  }
  if (err instanceof ZkError) {
    writeStderr(`${name}: ZooKeeper error: ${err.message}\n`);
    return EXIT.TEMPFAIL;
  }
  writeStderr(`${name}: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
  return EXIT.SOFTWARE;
}

/** A diagnostic that does not fail the command: one line on stderr, after the program's name (nothing for null). */
export function warn(line: string | null): void {
  // The installed programs run `node …/zkjobc.js`: the name is the program's, without .js.
  if (line !== null) writeStderr(`${path.basename(process.argv[1] ?? 'zkjobs', '.js')}: ${line}\n`);
}

/** Print data to stdout: a table row per line, or JSON with --json. */
export function out(line: string): void {
  writeStdout(`${line}\n`);
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
    writeStdout(`${this.lines.join('\n')}\n`);
    this.lines = [];
  }
}
