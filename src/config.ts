// zkjobd's configuration file (/etc/zkjobs/zkjobd.conf): which keys exist,
// what their values may be, and how they become the daemon's settings.
// Command-line flags override the file; the client tools read zk, root,
// connect_timeout, zk_auth_file and zk_tls_* from it too (flags, then ZKJOBS_*
// variables, then the file).
import { existsSync, readFileSync } from 'node:fs';
import { checkName, checkQueueName } from './job-id.js';
import { parseDuration } from './duration.js';
import { DataError, UsageError } from './errors.js';
import { configError, splitConfig, type ConfigText, type Setting } from './config-file.js';
import { DEFAULT_POLICY, type QueuePolicy, type RunAs } from './daemon/queue-policy.js';
import { checkMaxRunning } from './queue.js';
import { parseTagList } from './placement.js';

export const DEFAULT_CONFIG_FILE = '/etc/zkjobs/zkjobd.conf';

/** Keys of the global part, each named after the zkjobd flag it sets (underscores for dashes). */
export const GLOBAL_KEYS = [
  'zk', 'root', 'connect_timeout', 'zk_auth_file', 'zk_tls_ca', 'zk_tls_cert', 'zk_tls_key', 'session_timeout', 'node_id', 'slots', 'tags', 'queues', 'stop_grace', 'kill_grace',
  'log_level', 'log_format', 'spool_dir', 'spool_max', 'http_bind', 'http_token_file', 'status_bind', 'status_token_file',
  'smtp_host', 'smtp_port', 'smtp_tls', 'smtp_user', 'smtp_password_file', 'smtp_from',
  'allow_shell', 'wrapper', 'run_as', 'mail_to', 'retention', 'job_user', 'authorized_submitters', 'node_key',
] as const;
/** Policy keys: global, or in a [queue NAME] section overriding the global one for that queue. */
export const QUEUE_KEYS = ['allow_shell', 'wrapper', 'run_as', 'mail_to', 'retention'] as const;
/** Keys of a [queue NAME] section only: settings of the queue itself, shared by the cluster. */
export const SECTION_ONLY_KEYS = ['max_running', 'require'] as const;

export interface DaemonConfig {
  file: string;
  /** Global keys as flag values (flag name → value), for yargs defaults. */
  flags: Record<string, string | number | boolean | string[]>;
  /** Policy per queue named in a section; `*` is the global policy. */
  policies: Map<string, QueuePolicy>;
  /** max_running per queue whose section sets it (null: `none`, no limit). */
  queueLimits: Map<string, number | null>;
  /** Default --require of jobs submitted to a queue from this host (its section's `require`). */
  queueRequire: Map<string, string[]>;
}

/** Read and check a config file; a bad key or value throws a DataError naming file:line. */
export function loadConfig(file: string): DaemonConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new DataError(`cannot read ${file}: ${(err as Error).message}`);
  }
  return interpret(splitConfig(text, file));
}

/** The file named by --config, else the default one if it exists; null when there is none. */
export function configFileFromArgv(argv: string[], env = process.env): string | null {
  const i = argv.findIndex((a) => a === '--config' || a.startsWith('--config='));
  if (i >= 0) {
    const file = argv[i].includes('=') ? argv[i].slice('--config='.length) : argv[i + 1];
    if (!file) throw new UsageError('--config needs a file name');
    return file;
  }
  if (env.ZKJOBS_CONFIG) return env.ZKJOBS_CONFIG;
  return existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : null;
}

function interpret(text: ConfigText): DaemonConfig {
  const flags: DaemonConfig['flags'] = {};
  const globalPolicy = { ...DEFAULT_POLICY };
  for (const [key, setting] of text.global) {
    if ((SECTION_ONLY_KEYS as readonly string[]).includes(key)) throw configError(text.file, setting.line, `'${key}' is set per queue, in a [queue NAME] section`);
    if (!(GLOBAL_KEYS as readonly string[]).includes(key)) throw configError(text.file, setting.line, `unknown key '${key}'`);
    if ((QUEUE_KEYS as readonly string[]).includes(key)) applyPolicy(globalPolicy, key, setting, text.file);
    else flags[key.replace(/_/g, '-')] = globalValue(key, setting, text.file);
  }
  const policies = new Map<string, QueuePolicy>([['*', globalPolicy]]);
  const queueLimits = new Map<string, number | null>();
  const queueRequire = new Map<string, string[]>();
  for (const [queue, settings] of text.queues) {
    const firstLine = [...settings.values()][0]?.line ?? 0;
    at(text.file, firstLine, () => checkQueueName(queue));
    const policy = { ...globalPolicy };
    for (const [key, setting] of settings) {
      if (key === 'max_running') queueLimits.set(queue, at(text.file, setting.line, () => maxRunning(setting.value)));
      else if (key === 'require') queueRequire.set(queue, at(text.file, setting.line, () => parseTagList(setting.value)));
      else if ((QUEUE_KEYS as readonly string[]).includes(key)) applyPolicy(policy, key, setting, text.file);
      else throw configError(text.file, setting.line, `unknown key '${key}' in [queue ${queue}]`);
    }
    policies.set(queue, policy);
  }
  return { file: text.file, flags, policies, queueLimits, queueRequire };
}

/** Run a check, re-throwing its error with the file and line in front. */
function at<T>(file: string, line: number, check: () => T): T {
  try {
    return check();
  } catch (err) {
    throw configError(file, line, (err as Error).message);
  }
}

function globalValue(key: string, s: Setting, file: string): string | number | boolean | string[] {
  return at(file, s.line, () => {
    switch (key) {
      case 'slots':
      case 'smtp_port':
      case 'connect_timeout':
        return positiveInt(key, s.value);
      case 'smtp_tls':
        return bool(key, s.value);
      case 'queues':
        return s.value.split(',').map((q) => checkQueueName(q.trim()));
      case 'node_id':
        return checkName('node', s.value);
      case 'tags':
        return parseTagList(s.value).join(',');
      case 'session_timeout':
      case 'stop_grace':
      case 'kill_grace':
        parseDuration(s.value, key);
        return s.value;
      case 'log_level':
        return oneOf(key, s.value, ['error', 'warn', 'info', 'debug']);
      case 'log_format':
        return oneOf(key, s.value, ['text', 'json']);
      case 'job_user':
        return checkJobUser(s.value);
      default:
        if (s.value === '') throw new Error(`'${key}' needs a value`);
        return s.value;
    }
  });
}

function applyPolicy(policy: QueuePolicy, key: string, s: Setting, file: string): void {
  at(file, s.line, () => {
    if (key === 'allow_shell') policy.allowShell = bool(key, s.value);
    else if (key === 'wrapper') policy.wrapper = s.value === '' ? null : [s.value];
    else if (key === 'run_as') policy.runAs = runAs(s.value);
    else if (key === 'mail_to') policy.mailTo = s.value === '' ? null : s.value;
    else if (key === 'retention') policy.retentionMs = parseDuration(s.value, key);
  });
}

/** A whole number of running jobs, or `none` to lift the limit. */
function maxRunning(value: string): number | null {
  if (value === 'none') return null;
  if (!/^\d+$/.test(value)) throw new Error(`'max_running' must be a whole number or 'none', got '${value}'`);
  return checkMaxRunning(Number(value));
}

/** The job account must be an account name other than root: root is only ever asked for by run_as = root. */
export function checkJobUser(value: string): string {
  if (!/^[a-z_][a-z0-9_-]*\$?$/i.test(value)) throw new Error(`'job_user' must be an account name, got '${value}'`);
  if (value === 'root') throw new Error("'job_user' must be an unprivileged account; to run jobs as root, say run_as = root");
  return value;
}

function runAs(value: string): RunAs | null {
  if (value === '') return null;
  const [user, group] = value.split(':');
  if (!user) throw new Error(`run_as takes USER[:GROUP], got '${value}'`);
  return group ? { user, group } : { user };
}

function positiveInt(key: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new Error(`'${key}' must be a whole number of at least 1, got '${value}'`);
  return Number(value);
}

function bool(key: string, value: string): boolean {
  if (/^(yes|true|on|1)$/i.test(value)) return true;
  if (/^(no|false|off|0)$/i.test(value)) return false;
  throw new Error(`'${key}' must be yes or no, got '${value}'`);
}

function oneOf(key: string, value: string, choices: string[]): string {
  if (!choices.includes(value)) throw new Error(`'${key}' must be one of ${choices.join(', ')}, got '${value}'`);
  return value;
}

export interface ClientDefaults {
  zk?: string;
  root?: string;
  connectTimeout?: number;
  zkAuthFile?: string;
  zkTlsCa?: string;
  zkTlsCert?: string;
  zkTlsKey?: string;
  /** Per queue, the tags its jobs --require unless the submit says otherwise. */
  queueRequire?: Map<string, string[]>;
}

/**
 * What the client tools take from the configuration file: the connection.
 * A file the user may not read is skipped (it is the daemon's); a broken one
 * is an error, as it would be for the daemon.
 */
export function clientDefaults(env = process.env): ClientDefaults {
  const file = env.ZKJOBS_CONFIG ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : null);
  if (!file) return {};
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EACCES') return {};
    throw new DataError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const { flags, queueRequire } = interpret(splitConfig(text, file));
  const flag = (name: string) => flags[name] as string | undefined;
  return {
    zk: flag('zk'),
    root: flag('root'),
    connectTimeout: flags['connect-timeout'] as number | undefined,
    zkAuthFile: flag('zk-auth-file'),
    zkTlsCa: flag('zk-tls-ca'),
    zkTlsCert: flag('zk-tls-cert'),
    zkTlsKey: flag('zk-tls-key'),
    queueRequire,
  };
}
