// zkjobq pause|resume|delete QUEUE: queue-wide switches.
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions, withSession, out, type ConnectionArgs } from '../program.js';
import { setPaused } from '../../queue.js';
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
        await setPaused(zk, paths, queue, paused);
        out(`${queue}: ${paused ? 'paused' : 'resumed'}`);
      });
    },
  };
}

export const pauseQueueCommand = pauseCommand(true);
export const resumeQueueCommand = pauseCommand(false);

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
