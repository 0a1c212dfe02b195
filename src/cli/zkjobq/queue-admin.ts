// zkjobq pause|resume|delete|limit QUEUE: queue-wide switches.
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions, withSession, out, warn, type ConnectionArgs } from '../program.js';
import { MAX_RUNNING_LIMIT, readQueueConfig, repairedConfigWarning, requireQueue, setMaxRunning, setPaused } from '../../queue.js';
import { UsageError } from '../../errors.js';
import { deleteQueue } from '../../queue-delete.js';
import { checkQueueName } from '../../job-id.js';

interface QueueArgs extends ConnectionArgs {
  queue: string;
  force?: boolean;
}

const queueArg = (y: Argv) => withConnectionOptions(y).positional('queue', { type: 'string', demandOption: true });

function pauseCommand(paused: boolean): CommandModule<object, QueueArgs> {
  return {
    command: `${paused ? 'pause' : 'resume'} <queue>`,
    describe: paused ? 'pause a queue: nothing new starts, running jobs finish' : 'resume a paused queue',
    builder: (y) => queueArg(y) as unknown as Argv<QueueArgs>,
    handler: async (args) => {
      const queue = checkQueueName(String(args.queue));
      await withSession(args, async ({ zk, paths }) => {
        warn(repairedConfigWarning(queue, await setPaused(zk, paths, queue, paused), { paused }));
        out(`${queue}: ${paused ? 'paused' : 'resumed'}`);
      });
    },
  };
}

export const pauseQueueCommand = pauseCommand(true);
export const resumeQueueCommand = pauseCommand(false);

interface LimitArgs extends ConnectionArgs {
  queue: string;
  max?: string;
}

/** `none` lifts the limit; anything but a whole number in range is a usage error. */
export function parseLimit(value: string): number | null {
  if (value === 'none') return null;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= MAX_RUNNING_LIMIT)) throw new UsageError(`max running jobs must be a whole number from 1 to ${MAX_RUNNING_LIMIT} or 'none', got '${value}'`);
  return n;
}

export const limitQueueCommand: CommandModule<object, LimitArgs> = {
  command: 'limit <queue> [max]',
  describe: "show, set or lift ('none') the most jobs of a queue running at once across the cluster",
  builder: (y) => queueArg(y).positional('max', { type: 'string', describe: "a whole number, or 'none'" }) as unknown as Argv<LimitArgs>,
  handler: async (args) => {
    const queue = checkQueueName(String(args.queue));
    const max = args.max === undefined ? undefined : parseLimit(String(args.max));
    await withSession(args, async ({ zk, paths }) => {
      if (max === undefined) {
        await requireQueue(zk, paths, queue);
        const config = await readQueueConfig(zk, paths, queue);
        if (config.problem) warn(`warning: queue ${queue}'s config is unreadable (${config.problem}); served as paused with no limit until 'zkjobq limit' or 'zkjobq resume' rewrites it`);
        return out(`${queue}: max running ${config.maxRunning ?? 'none'}`);
      }
      const was = await setMaxRunning(zk, paths, queue, max);
      warn(repairedConfigWarning(queue, was, { maxRunning: max }));
      out(`${queue}: max running ${max ?? 'none'} (was ${was.maxRunning ?? 'none'})`);
    });
  },
};

export const deleteQueueCommand: CommandModule<object, QueueArgs> = {
  command: 'delete <queue>',
  describe: 'delete a queue and all its jobs (refused while jobs run, unless --force)',
  builder: (y) => queueArg(y).option('force', { type: 'boolean', default: false, describe: 'delete even while jobs run' }) as unknown as Argv<QueueArgs>,
  handler: async (args) => {
    const queue = checkQueueName(String(args.queue));
    await withSession(args, async ({ zk, paths }) => {
      const removed = await deleteQueue(zk, paths, queue, args.force ?? false);
      out(`${queue}: deleted with ${removed} jobs`);
    });
  },
};
