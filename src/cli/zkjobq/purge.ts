// zkjobq purge QUEUE: remove pending and finished jobs, never running ones.
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions, withSession, out, type ConnectionArgs } from '../program.js';
import { requireQueue } from '../../queue.js';
import { purgeQueue } from '../../purge.js';

interface PurgeArgs extends ConnectionArgs {
  queue: string;
  json: boolean;
}

export const purgeCommand: CommandModule<object, PurgeArgs> = {
  command: 'purge <queue>',
  describe: 'remove the pending and finished jobs of a queue (running jobs are left alone)',
  builder: (y) => withConnectionOptions(y)
    .positional('queue', { type: 'string', demandOption: true })
    .option('json', { type: 'boolean', default: false }) as unknown as Argv<PurgeArgs>,
  handler: async (args) => {
    await withSession(args, async ({ zk, paths }) => {
      await requireQueue(zk, paths, args.queue);
      const counts = await purgeQueue(zk, paths, args.queue);
      if (args.json) out(JSON.stringify({ queue: args.queue, removed: counts.pending + counts.finished, ...counts }));
      else out(`purged ${counts.pending + counts.finished} jobs from ${args.queue} (${counts.pending} pending, ${counts.finished} finished; ${counts.skippedRunning} running left alone)`);
    });
  },
};
