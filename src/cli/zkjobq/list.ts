// zkjobq list [QUEUE…] [--json]: one row per job, like squeue.
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions, withSession, out, type ConnectionArgs } from '../program.js';
import { listQueues, requireQueue } from '../../queue.js';
import { listJobs } from '../../job-list.js';
import type { JobStatus } from '../../status.js';
import { formatTable } from './table.js';

interface ListArgs extends ConnectionArgs {
  queues: string[];
  json: boolean;
  limit: number;
}

export function jobRow(s: JobStatus): string[] {
  const command = s.spec?.argv.join(' ') ?? (s.problem ? `(${s.problem})` : '');
  const exit = s.result ? (s.result.signal ?? (s.result.exitCode === null ? '-' : String(s.result.exitCode))) : '';
  return [s.id, s.state, s.node ?? '', exit, String(s.attempt), command];
}

export const listCommand: CommandModule<object, ListArgs> = {
  command: 'list [queues..]',
  describe: 'list jobs with their state (all queues if none named)',
  builder: (y) => withConnectionOptions(y)
    .positional('queues', { type: 'string', array: true, default: [] })
    .option('json', { type: 'boolean', default: false, describe: 'one JSON object per job' })
    .option('limit', { type: 'number', default: 1000, describe: 'at most this many jobs per queue (0: no limit)' }) as unknown as Argv<ListArgs>,
  handler: async (args) => {
    await withSession(args, async ({ zk, paths }) => {
      const queues = args.queues.length > 0 ? args.queues.map(String) : await listQueues(zk, paths);
      const limit = args.limit > 0 ? args.limit : Number.MAX_SAFE_INTEGER;
      const rows: JobStatus[] = [];
      for (const queue of queues) {
        await requireQueue(zk, paths, queue);
        rows.push(...(await listJobs(zk, paths, queue, { unfinished: true, finished: true, limit })));
      }
      if (args.json) rows.forEach((r) => out(JSON.stringify(r)));
      else out(formatTable(['JOB', 'STATE', 'NODE', 'EXIT', 'ATTEMPT', 'COMMAND'], rows.map(jobRow)));
    });
  },
};
