// zkjobq pause|resume|delete|limit QUEUE: queue-wide switches.
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions, withSession, out, warn, type ConnectionArgs } from '../program.js';
import { MAX_RUNNING_LIMIT, readQueueConfig, repairedConfigWarning, requireQueue, setMaxRunning, setPaused } from '../../queue.js';
import { UsageError } from '../../errors.js';
import { deleteQueue, runningJobs, type DeleteCounts } from '../../queue-delete.js';
import { purgeQueue, PURGE_ALL } from '../../purge.js';
import { noSuchQueue } from '../../queue.js';
import { ZkjobsError } from '../../errors.js';
import { confirmRemoval, describeJobs } from './confirm.js';
import type { Session } from '../program.js';
import { retry } from '../../zk/retry.js';
import { checkQueueName } from '../../job-id.js';

interface QueueArgs extends ConnectionArgs {
  queue: string;
  force?: boolean;
  yes?: boolean;
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
  describe: 'delete a queue and all its jobs (refused while jobs run, unless --force; pending jobs need --yes off a terminal)',
  builder: (y) => queueArg(y)
    .option('force', { type: 'boolean', default: false, describe: 'cancel running jobs first (waits up to 60 s for them to end)' })
    .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'do not ask; needed to delete pending jobs when not on a terminal' }) as unknown as Argv<QueueArgs>,
  handler: async (args) => {
    const queue = checkQueueName(String(args.queue));
    await withSession(args, async (session) => {
      if (!args.yes) await confirmDelete(session, queue, args.force ?? false);
      const counts = await deleteQueue(session.zk, session.paths, queue, { force: args.force ?? false });
      out(`${queue}: deleted with ${counts.pending + counts.finished} jobs${cancelledNote(counts)}`);
    });
  },
};

function cancelledNote(counts: DeleteCounts): string {
  return counts.cancelled > 0 ? ` (${counts.cancelled} running cancelled)` : '';
}

/** Count what would go and ask, as purge does (confirm.ts); running jobs without --force refuse first. */
async function confirmDelete({ zk, paths }: Session, queue: string, force: boolean): Promise<void> {
  if (!(await retry(() => zk.exists(paths.queue(queue))))) throw noSuchQueue(queue);
  const running = (await runningJobs(zk, paths, queue)).length;
  if (running > 0 && !force) throw new ZkjobsError(`queue ${queue} has ${running} running jobs; cancel them or use --force`);
  const counts = await purgeQueue(zk, paths, queue, { ...PURGE_ALL, dryRun: true });
  const what = `queue ${queue} with ${describeJobs(counts)}${running > 0 ? ` and ${running} running to cancel` : ''}`;
  await confirmRemoval(counts, `delete would remove ${what}`, `Delete ${what}?`, 'delete');
}
