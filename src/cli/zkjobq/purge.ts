// zkjobq purge QUEUE [--state S] [--older-than D] [--dry-run] [--yes]:
// remove pending and finished jobs, never running ones. It counts first and
// asks on a terminal, unless --yes; removing pending jobs (work not done yet)
// without --yes is refused when nobody can answer (a pipe, cron): `echo n |`
// must never purge. On a terminal a progress line counts the jobs removed
// (a purge of 20,000 jobs takes seconds).
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions, withSession, out, type ConnectionArgs, type Session } from '../program.js';
import { requireQueue } from '../../queue.js';
import { purgeQueue, type PurgeFilter } from '../../purge.js';
import { parseDuration } from '../../duration.js';
import { TERMINAL_STATES } from '../../result.js';
import { confirmRemoval, describeJobs } from './confirm.js';
import { progressLine } from './progress-line.js';

interface PurgeArgs extends ConnectionArgs {
  queue: string;
  json: boolean;
  state: string;
  'older-than'?: string;
  'dry-run': boolean;
  yes: boolean;
}

const STATES = ['all', 'pending', 'finished', ...TERMINAL_STATES] as const;

export function purgeFilter(state: string, olderThan: string | undefined, dryRun: boolean, now = Date.now()): PurgeFilter {
  return {
    pending: state === 'all' || state === 'pending',
    finished: state === 'all' || state === 'finished' ? TERMINAL_STATES : TERMINAL_STATES.filter((s) => s === state),
    before: olderThan === undefined ? null : now - parseDuration(olderThan, '--older-than'),
    dryRun,
  };
}

/**
 * Say what will go, and go on only on a terminal's yes; pending jobs are
 * never removed unasked. Returns how many jobs were counted (the progress
 * line's total).
 */
async function confirmPurge(zk: Session['zk'], paths: Session['paths'], args: PurgeArgs, filter: PurgeFilter): Promise<number> {
  const counts = await purgeQueue(zk, paths, args.queue, { ...filter, dryRun: true });
  const total = counts.pending + counts.finished;
  if (total === 0) return 0;
  const what = describeJobs(counts);
  const older = args['older-than'] ? ` older than ${args['older-than']}` : '';
  await confirmRemoval(counts, `purge would remove ${what} from ${args.queue}`, `Remove ${what}${older} from ${args.queue}?`, 'purge');
  return total;
}

export const purgeCommand: CommandModule<object, PurgeArgs> = {
  command: 'purge <queue>',
  describe: 'remove pending and finished jobs of a queue (running jobs are left alone)',
  builder: (y) => withConnectionOptions(y)
    .positional('queue', { type: 'string', demandOption: true })
    .option('state', { type: 'string', choices: STATES, default: 'all', describe: 'which jobs: pending, finished, one terminal state, or all' })
    .option('older-than', { type: 'string', describe: 'only jobs submitted (pending) or finished more than DURATION ago' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'count what would be removed, remove nothing' })
    .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'do not ask; needed to remove pending jobs when not on a terminal' })
    .option('json', { type: 'boolean', default: false, describe: 'print the counts as one JSON object' }) as unknown as Argv<PurgeArgs>,
  handler: async (args) => {
    const filter = purgeFilter(args.state, args['older-than'], args['dry-run']);
    await withSession(args, async ({ zk, paths }) => {
      await requireQueue(zk, paths, args.queue);
      const expected = !filter.dryRun && !args.yes ? await confirmPurge(zk, paths, args, filter) : null;
      const progress = filter.dryRun ? null : progressLine(`purging ${args.queue}`, expected);
      const counts = await purgeQueue(zk, paths, args.queue, filter, (c) => progress?.update(c.pending + c.finished)).finally(() => progress?.end());
      const total = counts.pending + counts.finished;
      const verb = filter.dryRun ? 'would purge' : 'purged';
      if (args.json) out(JSON.stringify({ queue: args.queue, dryRun: filter.dryRun, removed: total, ...counts }));
      else out(`${verb} ${total} jobs from ${args.queue} (${counts.pending} pending, ${counts.finished} finished; ${counts.skippedRunning} running left alone)`);
    });
  },
};
