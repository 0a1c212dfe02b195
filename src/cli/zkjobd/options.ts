// zkjobd's options: the flags, their defaults from the configuration file,
// and how they become the daemon's settings.
import os from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { withConnectionOptions, type ConnectionArgs } from '../program.js';
import { ConfigError, DataError, UsageError } from '../../errors.js';
import { defaultFrom, type SmtpOptions } from '../../daemon/mailer.js';
import type { HttpOptions } from '../../daemon/http-endpoint.js';
import { DEFAULT_JOB_USER, DEFAULT_POLICY, type PolicySource, type QueuePolicy } from '../../daemon/queue-policy.js';
import { checkJobUser, type DaemonConfig } from '../../config.js';
import { defaultNodeKeyFile } from '../../node-key.js';
import { DEFAULT_AUTHORIZED_SUBMITTERS, loadAuthorizedSubmitters, type AuthorizedSubmitters } from '../../authorized-submitters.js';
import { DEFAULT_STATUS_BIND } from '../../status/status-bind.js';

export interface DaemonArgs extends ConnectionArgs {
  'check-config': boolean;
  queue: string[];
  slots: number;
  tags?: string;
  'node-id': string;
  'session-timeout': string;
  'stop-grace': string;
  'kill-grace': string;
  'log-level': string;
  'log-format': string;
  'allow-shell': boolean;
  wrapper?: string;
  'run-as'?: string;
  'job-user': string;
  'authorized-submitters'?: string;
  'node-key': string;
  'print-node-key': boolean;
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
  'status-bind': string;
  'status-token-file'?: string;
}

/** zkjobd's --connect-timeout unless ZKJOBS_CONNECT_TIMEOUT or the file says otherwise (the client tools' is 5000). */
const DAEMON_CONNECT_TIMEOUT_MS = 15_000;

export function daemonOptions(y: Argv, config: DaemonConfig | null): Argv<DaemonArgs> {
  const withFlags = withConnectionOptions(y)
    .option('config', { type: 'string', describe: 'configuration file (default /etc/zkjobs/zkjobd.conf if it exists; env ZKJOBS_CONFIG)' })
    .option('check-config', { type: 'boolean', default: false, describe: 'check the configuration file and flags, print what is wrong (exit 65, or 64 for a flag) or OK (exit 0), and exit' })
    .option('queue', { alias: 'q', type: 'string', array: true, default: ['default'], describe: 'queue to serve (repeatable)' })
    .option('slots', { alias: 's', type: 'number', default: os.availableParallelism(), describe: 'jobs run at once on this node (default: number of CPUs)' })
    .option('tags', { type: 'string', describe: 'TAG,… this node offers to jobs that --require them, besides os=, arch=, host=, node= and gpu (when nvidia-smi finds one)' })
    .option('node-id', { type: 'string', default: os.hostname(), describe: 'name of this node in ZooKeeper (default: host name)' })
    .option('session-timeout', { type: 'string', default: '10s', describe: 'ZooKeeper session timeout requested' })
    .option('stop-grace', { type: 'string', default: '30s', describe: 'on SIGTERM, how long running jobs may finish before they are killed and released' })
    .option('kill-grace', { type: 'string', default: '5s', describe: 'between TERM and KILL when a job is killed' })
    .option('log-level', { type: 'string', default: 'info', choices: ['error', 'warn', 'info', 'debug'] })
    .option('log-format', { type: 'string', default: 'text', choices: ['text', 'json'] })
    .option('allow-shell', { type: 'boolean', default: false, describe: 'accept --shell jobs on every served queue' })
    .option('wrapper', { type: 'string', describe: 'run every job (every pipeline stage) as WRAPPER ARGV…' })
    .option('run-as', { type: 'string', describe: 'run jobs as USER[:GROUP] (the daemon must be root); root only when this says root' })
    .option('job-user', { type: 'string', default: DEFAULT_JOB_USER, describe: 'unprivileged account a root daemon runs jobs as when no run-as is set' })
    .option('authorized-submitters', { type: 'string', describe: `run only jobs signed by a key in FILE, each as the user it names (default ${DEFAULT_AUTHORIZED_SUBMITTERS} when it exists; 'none': no signature check)` })
    .option('node-key', { type: 'string', default: defaultNodeKeyFile(), describe: 'private key this node signs its results with, made (mode 0600, public key in FILE.pub) when missing (env ZKJOBS_NODE_KEY; default /etc/zkjobs/node_ed25519 for root, else ~/.config/zkjobs/node_ed25519)' })
    .option('print-node-key', { type: 'boolean', default: false, describe: "print this node's line for clients' authorized_daemons (making the key if missing) and exit" })
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
    .option('http-token-file', { type: 'string', describe: 'file holding the token that output requests must carry' })
    .option('status-bind', { type: 'string', default: DEFAULT_STATUS_BIND, describe: "HOST:PORT of the status page and /metrics ('none': off; taken: go on without)" })
    .option('status-token-file', { type: 'string', describe: 'file holding the token the status page asks for (required unless bound to loopback)' })

    // A daemon starting with its host may wait longer for ZooKeeper than an interactive command does.
    .default('connect-timeout', Number(process.env.ZKJOBS_CONNECT_TIMEOUT ?? DAEMON_CONNECT_TIMEOUT_MS));
  // The file's values are the flags' defaults, so a flag given on the command line wins.
  const withFile = Object.entries(config?.flags ?? {}).reduce((y2, [flag, value]) => y2.default(flag === 'queues' ? 'queue' : flag, value), withFlags);
  return withFile as unknown as Argv<DaemonArgs>;
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
      token = readFileSync(args['http-token-file'], 'utf8').trim() || null; // an empty file is no token
    } catch (err) {
      throw new DataError(`cannot read ${args['http-token-file']}: ${(err as Error).message}`);
    }
  }
  if (!token && !isLoopback(match[1])) {
    throw new ConfigError(`--http-bind ${args['http-bind']} would serve every job's output to the network without a token: set --http-token-file (http_token_file), or bind 127.0.0.1`);
  }
  return { host: match[1], port: Number(match[2]), token };
}

/** Addresses only this host can reach: the endpoint may serve them without a token. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
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

/**
 * Each queue's policy: its [queue] section, else the file's global keys,
 * else the defaults; the policy flags, when given, override them all
 * (--allow-shell can only turn shell jobs on).
 */
export function policiesFrom(args: DaemonArgs, config: DaemonConfig | null): PolicySource {
  const flags: Partial<QueuePolicy> = {};
  if (args['allow-shell']) flags.allowShell = true;
  if (args.wrapper) flags.wrapper = [args.wrapper];
  if (args['mail-to']) flags.mailTo = args['mail-to'];
  try {
    flags.jobUser = checkJobUser(args['job-user'] ?? DEFAULT_JOB_USER);
  } catch (err) {
    throw new UsageError(`--job-user: ${(err as Error).message}`);
  }
  if (args['run-as']) {
    const [user, group] = args['run-as'].split(':');
    if (!user) throw new UsageError(`--run-as takes USER[:GROUP], got '${args['run-as']}'`);
    flags.runAs = group ? { user, group } : { user };
  }
  flags.submitters = authorizedSubmitters(args['authorized-submitters']);
  const policies = config?.policies ?? new Map<string, QueuePolicy>();
  return (queue) => ({ ...(policies.get(queue) ?? policies.get('*') ?? DEFAULT_POLICY), ...flags });
}


/** The authorized_submitters file named, else the default one when it exists; re-read on every reload. */
function authorizedSubmitters(file: string | undefined): AuthorizedSubmitters | null {
  if (file === 'none') return null;
  if (file === undefined && !existsSync(DEFAULT_AUTHORIZED_SUBMITTERS)) return null;
  return loadAuthorizedSubmitters(file ?? DEFAULT_AUTHORIZED_SUBMITTERS);
}
