// zkjobd: the daemon systemd runs on every node. Foreground, logs to stdout.
// SIGTERM or SIGINT: stop claiming, let running jobs finish within the grace
// period, release what is left to peers, exit 0. SIGHUP: re-read the
// configuration file; a bad file is rejected and the old settings stay.
import type { Argv } from 'yargs';
import { existsSync } from 'node:fs';
import { runProgram, zkAuth } from './program.js';
import { zkTlsFrom } from '../zk-tls.js';
import { Daemon, type DaemonOptions } from '../daemon/daemon.js';
import { createLogger, type LogFormat, type Logger } from '../log.js';
import { checkName, checkQueueName } from '../job-id.js';
import { parseDuration } from '../duration.js';
import { UsageError } from '../errors.js';
import { parseTagList } from '../placement.js';
import { configFileFromArgv, loadConfig, type DaemonConfig } from '../config.js';
import { daemonOptions, httpFromFlags, parseSize, policiesFrom, smtpFromFlags, type DaemonArgs } from './zkjobd/options.js';
import type { QueuePolicy } from '../daemon/queue-policy.js';
import { claimNotifySocket, notifySystemd } from '../daemon/systemd-notify.js';
import { parseStatusBind } from '../status/status-bind.js';
import { loadOrCreateNodeKey, nodeKeyLine, nodeRecordSigner, resultSigner } from '../node-key.js';
import { writeStdout } from './stdio.js';

const argv = process.argv.slice(2);
let configFile: string | null = null;

function queuesOf(args: DaemonArgs): string[] {
  return [...new Set(args.queue.map(String))].map(checkQueueName);
}

function tagsOf(args: DaemonArgs): string[] {
  try {
    return args.tags === undefined ? [] : parseTagList(String(args.tags));
  } catch (err) {
    throw new UsageError(`--tags: ${(err as Error).message}`);
  }
}

function checkSlots(slots: unknown): number {
  if (!Number.isInteger(slots) || (slots as number) < 1) throw new UsageError(`--slots must be a whole number of at least 1, got '${slots}'`);
  return slots as number;
}

function checkConnectTimeout(ms: unknown): number {
  if (!Number.isInteger(ms) || (ms as number) < 1) throw new UsageError(`--connect-timeout must be a whole number of milliseconds, got '${ms}'`);
  return ms as number;
}

async function runDaemon(args: DaemonArgs, config: DaemonConfig | null): Promise<void> {
  const logger = createLogger(args['log-level'], args['log-format'] as LogFormat);
  let policies = policiesFrom(args, config);
  const nodeId = checkName('node', args['node-id']);
  const options: DaemonOptions = {
    zk: args.zk,
    root: args.root,
    queues: queuesOf(args),
    slots: checkSlots(args.slots),
    tags: tagsOf(args),
    nodeId,
    connectTimeoutMs: checkConnectTimeout(args['connect-timeout']),
    sessionTimeoutMs: parseDuration(args['session-timeout'], '--session-timeout'),
    stopGraceMs: parseDuration(args['stop-grace'], '--stop-grace'),
    killGraceMs: parseDuration(args['kill-grace'], '--kill-grace'),
    logger,
    policies: (queue: string): QueuePolicy => policies(queue),
    smtp: smtpFromFlags(args),
    spoolDir: args['spool-dir'],
    spoolMaxBytes: parseSize(args['spool-max'], '--spool-max'),
    http: httpFromFlags(args),
    zkAuth: zkAuth(args),
    zkTls: zkTlsFrom(args),
    queueLimits: config?.queueLimits ?? new Map(),
    status: parseStatusBind(args['status-bind'], args['status-token-file'], '--status-bind'),
    signResult: () => {
      throw new Error('node key not loaded');
    },
  };
  // Everything above is what a start checks before connecting (secret files
  // included). --check-config reads an existing node key but makes none: a
  // check changes nothing.
  if (args['check-config']) {
    if (existsSync(args['node-key'])) loadOrCreateNodeKey(args['node-key'], nodeId);
    writeStdout(`zkjobd: ${configFile ?? 'flags'}: OK\n`);
    return;
  }
  const nodeKey = loadOrCreateNodeKey(args['node-key'], nodeId);
  if (args['print-node-key']) {
    writeStdout(`${nodeKeyLine(nodeId, nodeKey)}\n`);
    return;
  }
  options.signResult = resultSigner(nodeKey);
  options.signNodeRecord = nodeRecordSigner(nodeKey, nodeId);
  claimNotifySocket();
  const daemon = new Daemon(options);
  await daemon.start().catch((err) => {
    daemon.abort();
    throw err;
  });
  logger.info('results and node record signed with node key', { file: args['node-key'], key: nodeKeyLine(nodeId, nodeKey) });
  notifySystemd('READY=1', logger);
  process.on('SIGHUP', () => void reload(daemon, logger, args, (p) => (policies = p)));
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info(`received ${signal}`);
      notifySystemd('STOPPING=1', logger);
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

/** Flags given on the command line keep their values across a reload. */
function onCommandLine(...names: string[]): boolean {
  return argv.some((a) => names.some((n) => a === n || a.startsWith(`${n}=`)));
}

async function reload(daemon: Daemon, logger: Logger, args: DaemonArgs, setPolicies: (p: ReturnType<typeof policiesFrom>) => void): Promise<void> {
  if (!configFile) {
    logger.warn('SIGHUP: no configuration file to reload');
    return;
  }
  let config: DaemonConfig;
  try {
    config = loadConfig(configFile);
  } catch (err) {
    logger.error(`SIGHUP: configuration rejected, the old one stays in force: ${(err as Error).message}`);
    return;
  }
  const flags = config.flags;
  const slots = !onCommandLine('--slots', '-s') && flags.slots !== undefined ? (flags.slots as number) : undefined;
  const queues = !onCommandLine('--queue', '-q') && flags.queues !== undefined ? (flags.queues as string[]) : undefined;
  const tags = !onCommandLine('--tags') && flags.tags !== undefined ? parseTagList(String(flags.tags)) : undefined;
  if (!onCommandLine('--log-level') && typeof flags['log-level'] === 'string') logger.level = flags['log-level'];
  setPolicies(policiesFrom(args, config));
  await daemon.reconfigure({ slots, queues, tags, queueLimits: config.queueLimits }).catch((err) => logger.error(`SIGHUP: ${(err as Error).message}`));
  logger.info('configuration reloaded', { file: configFile, slots: slots ?? 'unchanged', queues: queues?.join(',') ?? 'unchanged', tags: tags?.join(',') ?? 'unchanged' });
}

await runProgram('zkjobd', 'zkjobd [--config FILE] [--zk HOST:PORT,…] [--root /zkjobs] [--queue NAME]… [--slots N] [--node-id ID]', (y: Argv) => {
  // Read before the flags are parsed: its values are their defaults. A bad file is exit 65 naming file:line.
  configFile = configFileFromArgv(argv);
  const config = configFile ? loadConfig(configFile) : null;
  return daemonOptions(y, config).command('$0', 'run the zkjobs daemon in the foreground', () => undefined, (args) => runDaemon(args as unknown as DaemonArgs, config));
});
