// zkjobq create QUEUE…: make queues ready for submissions.
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions, withSession, out, type ConnectionArgs } from '../program.js';
import { ensureQueue } from '../../queue.js';
import { checkQueueName } from '../../job-id.js';

interface CreateArgs extends ConnectionArgs {
  queues: string[];
}

export const createCommand: CommandModule<object, CreateArgs> = {
  command: 'create <queues..>',
  describe: 'create queues (an existing queue is left as it is)',
  builder: (y) => withConnectionOptions(y).positional('queues', { type: 'string', array: true, demandOption: true }) as unknown as Argv<CreateArgs>,
  handler: async (args) => {
    const queues = args.queues.map(String).map(checkQueueName);
    await withSession(args, async ({ zk, paths }) => {
      for (const queue of queues) out(`${queue}: ${(await ensureQueue(zk, paths, queue)) ? 'created' : 'exists'}`);
    });
  },
};
