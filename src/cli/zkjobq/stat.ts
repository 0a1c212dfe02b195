// zkjobq stat [QUEUE…]: counts per state without reading every job.
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions, withSession, out, warn, type ConnectionArgs } from '../program.js';
import { listQueues, readQueueConfig } from '../../queue.js';
import { queueStats } from '../../queue-stats.js';
import { formatTable } from './table.js';
import { checkQueueName } from '../../job-id.js';

interface StatArgs extends ConnectionArgs {
  queues: string[];
  json: boolean;
}

export const statCommand: CommandModule<object, StatArgs> = {
  command: 'stat [queues..]',
  describe: 'counts per state, oldest pending age and running jobs per node, per queue',
  builder: (y) => withConnectionOptions(y)
    .positional('queues', { type: 'string', array: true, default: [] })
    .option('json', { type: 'boolean', default: false }) as unknown as Argv<StatArgs>,
  handler: async (args) => {
    const named = args.queues.map(String).map(checkQueueName);
    await withSession(args, async ({ zk, paths }) => {
      const queues = named.length > 0 ? named : await listQueues(zk, paths);
      const stats = [];
      for (const queue of queues) stats.push(await queueStats(zk, paths, queue, await readQueueConfig(zk, paths, queue)));
      for (const s of stats) if (s.configProblem) warn(`warning: queue ${s.queue}'s config is unreadable (${s.configProblem}); served as paused until 'zkjobq resume ${s.queue}' rewrites it`);
      if (args.json) return stats.forEach((s) => out(JSON.stringify(s)));
      out(formatTable(['QUEUE', 'STATE', 'PENDING', 'RUNNING', 'LIMIT', 'FINISHED', 'OLDEST', 'RUNNING/NODE'], stats.map((s) => [
        s.queue, s.paused ? 'paused' : 'active', String(s.pending), String(s.running), s.maxRunning === null ? '-' : String(s.maxRunning), String(s.finished),
        s.oldestPendingAge === null ? '-' : `${s.oldestPendingAge}s`,
        Object.entries(s.runningPerNode).map(([n, c]) => `${n}=${c}`).join(',') || '-',
      ])));
    });
  },
};
