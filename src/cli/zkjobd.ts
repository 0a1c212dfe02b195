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
import { UsageError } from '../errors.js';
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
    .option('mail-to', { type: 'string', describe: "mail failed jobs' reports here unless the job names a recipient" }) as unknown as Argv<DaemonArgs>;
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
