// zkjobd: the daemon systemd runs on every node. Foreground, logs to stdout.
// SIGTERM or SIGINT: stop claiming, let running jobs finish within the grace
// period, release what is left to peers, exit 0.
import os from 'node:os';
import type { Argv } from 'yargs';
import { runProgram, withConnectionOptions, type ConnectionArgs } from './program.js';
import { Daemon } from '../daemon/daemon.js';
import { createLogger, type LogFormat } from '../log.js';
import { checkName, checkQueueName } from '../job-id.js';
import { parseDuration } from '../duration.js';
import { DataError, UsageError } from '../errors.js';
import { readFileSync } from 'node:fs';
import { defaultFrom, type SmtpOptions } from '../daemon/mailer.js';
import type { HttpOptions } from '../daemon/http-endpoint.js';
import { DEFAULT_POLICY, type PolicySource, type QueuePolicy } from '../daemon/queue-policy.js';

interface DaemonArgs extends ConnectionArgs {
  queue: string[];
  slots: number;
  'node-id': string;
  'session-timeout': string;
  'stop-grace': string;
  'kill-grace': string;
  'log-level': string;
  'log-format': string;
  'allow-shell': boolean;
  wrapper?: string;
  'run-as'?: string;
  'mail-to'?: string;
  'smtp-host'?: string;
  'smtp-port'?: number;
  'smtp-tls': boolean;
  'smtp-user'?: string;
  'smtp-password-file'?: string;
  'smtp-from'?: string;
  'spool-dir': string;
  'spool-max': string;
  'http-bind': string;
  'http-token-file'?: string;
}

function options(y: Argv): Argv<DaemonArgs> {
  return withConnectionOptions(y)
    .option('queue', { alias: 'q', type: 'string', array: true, default: ['default'], describe: 'queue to serve (repeatable)' })
    .option('slots', { alias: 's', type: 'number', default: os.availableParallelism(), describe: 'jobs run at once on this node (default: number of CPUs)' })
    .option('node-id', { type: 'string', default: os.hostname(), describe: 'name of this node in ZooKeeper (default: host name)' })
    .option('session-timeout', { type: 'string', default: '10s', describe: 'ZooKeeper session timeout requested' })
    .option('stop-grace', { type: 'string', default: '30s', describe: 'on SIGTERM, how long running jobs may finish before they are killed and released' })
    .option('kill-grace', { type: 'string', default: '5s', describe: 'between TERM and KILL when a job is killed' })
    .option('log-level', { type: 'string', default: 'info', choices: ['error', 'warn', 'info', 'debug'] })
    .option('log-format', { type: 'string', default: 'text', choices: ['text', 'json'] })
    .option('allow-shell', { type: 'boolean', default: false, describe: 'accept --shell jobs on every served queue' })
    .option('wrapper', { type: 'string', describe: 'run every job (every pipeline stage) as WRAPPER ARGV…' })
    .option('run-as', { type: 'string', describe: 'run jobs as USER[:GROUP] (the daemon must be root)' })
    .option('mail-to', { type: 'string', describe: "mail failed jobs' reports here unless the job names a recipient" })
    .option('smtp-host', { type: 'string', describe: 'SMTP server for failure reports (no mail without it)' })
    .option('smtp-port', { type: 'number', describe: 'SMTP port (default 25, or 465 with --smtp-tls)' })
    .option('smtp-tls', { type: 'boolean', default: false, describe: 'implicit TLS (smtps); STARTTLS is used when offered anyway' })
    .option('smtp-user', { type: 'string', describe: 'SMTP user name' })
    .option('smtp-password-file', { type: 'string', describe: 'file holding the SMTP password' })
    .option('smtp-from', { type: 'string', describe: 'From address of failure reports (default zkjobd@HOSTNAME)' })
    .option('spool-dir', { type: 'string', default: '/var/spool/zkjobs', describe: "directory of jobs' full output" })
    .option('spool-max', { type: 'string', default: '64M', describe: "cap of each job's spooled stdout and of its stderr (K, M, G suffixes)" })
    .option('http-bind', { type: 'string', default: '127.0.0.1:0', describe: "HOST:PORT serving jobs' output to zkjobc logs/output (port 0: any free one; 'none': off)" })
    .option('http-token-file', { type: 'string', describe: 'file holding the token that output requests must carry' }) as unknown as Argv<DaemonArgs>;
}

/** "64M", "1G", "4096" → bytes. */
export function parseSize(text: string, what: string): number {
  const match = /^(\d+)([KMG]?)$/i.exec(text.trim());
  if (!match) throw new UsageError(`invalid ${what} '${text}': use e.g. 4096, 512K, 64M, 1G`);
  return Number(match[1]) * 1024 ** ' KMG'.indexOf((match[2] || ' ').toUpperCase());
}

/** The output endpoint the flags describe, or null for 'none'. */
export function httpFromFlags(args: DaemonArgs): HttpOptions | null {
  if (args['http-bind'] === 'none') return null;
  const match = /^(.+):(\d+)$/.exec(args['http-bind']);
  if (!match || Number(match[2]) > 65535) throw new UsageError(`--http-bind takes HOST:PORT or none, got '${args['http-bind']}'`);
  let token: string | null = null;
  if (args['http-token-file']) {
    try {
      token = readFileSync(args['http-token-file'], 'utf8').trim();
    } catch (err) {
      throw new DataError(`cannot read ${args['http-token-file']}: ${(err as Error).message}`);
    }
  }
  return { host: match[1], port: Number(match[2]), token };
}

/** SMTP settings from the flags, or null when no server is named. */
export function smtpFromFlags(args: DaemonArgs): SmtpOptions | null {
  const host = args['smtp-host'];
  if (!host) return null;
  let password: string | undefined;
  if (args['smtp-password-file']) {
    try {
      password = readFileSync(args['smtp-password-file'], 'utf8').trim();
    } catch (err) {
      throw new DataError(`cannot read ${args['smtp-password-file']}: ${(err as Error).message}`);
    }
  }
  const port = args['smtp-port'] ?? (args['smtp-tls'] ? 465 : 25);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--smtp-port must be a port number, got '${args['smtp-port']}'`);
  return { host, port, tls: args['smtp-tls'], user: args['smtp-user'], password, from: args['smtp-from'] ?? defaultFrom() };
}

/** The daemon-wide policy the flags describe, for every served queue. */
export function policyFromFlags(args: DaemonArgs): PolicySource {
  const policy: QueuePolicy = { ...DEFAULT_POLICY, allowShell: args['allow-shell'] };
  if (args.wrapper) policy.wrapper = [args.wrapper];
  if (args['mail-to']) policy.mailTo = args['mail-to'];
  if (args['run-as']) {
    const [user, group] = args['run-as'].split(':');
    if (!user) throw new UsageError(`--run-as takes USER[:GROUP], got '${args['run-as']}'`);
    policy.runAs = group ? { user, group } : { user };
  }
  return () => policy;
}

async function runDaemon(args: DaemonArgs): Promise<void> {
  if (!Number.isInteger(args.slots) || args.slots < 1) throw new UsageError(`--slots must be a whole number of at least 1, got '${args.slots}'`);
  const queues = [...new Set(args.queue.map(String))].map(checkQueueName);
  const logger = createLogger(args['log-level'], args['log-format'] as LogFormat);
  const daemon = new Daemon({
    zk: args.zk,
    root: args.root,
    queues,
    slots: args.slots,
    nodeId: checkName('node', args['node-id']),
    sessionTimeoutMs: parseDuration(args['session-timeout'], '--session-timeout'),
    stopGraceMs: parseDuration(args['stop-grace'], '--stop-grace'),
    killGraceMs: parseDuration(args['kill-grace'], '--kill-grace'),
    logger,
    policies: policyFromFlags(args),
    smtp: smtpFromFlags(args),
    spoolDir: args['spool-dir'],
    spoolMaxBytes: parseSize(args['spool-max'], '--spool-max'),
    http: httpFromFlags(args),
  });
  await daemon.start();
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info(`received ${signal}`);
      process.removeAllListeners('SIGTERM');
      process.removeAllListeners('SIGINT');
      // A second signal while draining means: stop now.
      const now = () => process.exit(1);
      process.once('SIGTERM', now);
      process.once('SIGINT', now);
      void daemon.stop().then(resolve, resolve);
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  await new Promise<void>((r) => logger.on('finish', r).end());
}

await runProgram('zkjobd', 'zkjobd [--zk HOST:PORT,…] [--root /zkjobs] [--queue NAME]… [--slots N] [--node-id ID]', (y) =>
  options(y).command('$0', 'run the zkjobs daemon in the foreground', () => undefined, (args) => runDaemon(args as unknown as DaemonArgs)),
);
