// zkjobc cancel JOB…: a pending job is cancelled at once; a running one is
// killed by the daemon running it (TERM, grace, KILL), which records
// 'cancelled'. Waits, bounded, for that result. A finished job: exit 1.
// zkjobc cancel --queue Q [--name N] [--state pending|held|running]: every
// unfinished job of Q that matches, like scancel -p Q -n N -t PENDING.
// pending includes held jobs (they are pending, parked); held picks them out.
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions, withSession, out, zkAuth, type ConnectionArgs } from '../program.js';
import { checkQueueName, formatJobId, parseJobId, type JobId } from '../../job-id.js';
import { cancelJob, canceller, withdrawRequest } from '../../cancel.js';
import type { CancelledBy } from '../../attempt-history.js';
import { waitForResult } from '../../wait.js';
import { parseDuration } from '../../duration.js';
import { EXIT, TempFailError, UsageError, ZkjobsError } from '../../errors.js';
import { listJobs } from '../../job-list.js';
import { requireQueue } from '../../queue.js';
import type { JobStatus } from '../../status.js';
import type { Session } from '../program.js';
import { writeStderr } from '../stdio.js';

interface CancelArgs extends ConnectionArgs {
  jobs: string[];
  'wait-for': string;
  queue?: string;
  name?: string;
  state?: 'pending' | 'held' | 'running';
}

export const cancelCommand: CommandModule<object, CancelArgs> = {
  command: 'cancel [jobs..]',
  describe: 'cancel jobs: pending ones at once, running ones by killing them',
  builder: (y) => withConnectionOptions(y)
    .positional('jobs', { type: 'string', array: true, default: [] })
    .option('wait-for', { type: 'string', default: '60s', describe: 'how long to wait for a running job to be killed and recorded' })
    .option('queue', { alias: 'q', type: 'string', describe: 'cancel every unfinished job of QUEUE that matches --name and --state (instead of naming jobs)' })
    .option('name', { type: 'string', describe: 'with --queue: only jobs of this name' })
    .option('state', { type: 'string', choices: ['pending', 'held', 'running'], describe: 'with --queue: only jobs in this state (pending includes held)' }) as unknown as Argv<CancelArgs>,
  handler: async (args) => {
    const named = args.jobs.map(String);
    if (args.queue === undefined && named.length === 0) throw new UsageError('name the jobs to cancel, or --queue QUEUE [--name N] [--state S]');
    if (args.queue !== undefined && named.length > 0) throw new UsageError('name jobs or give --queue, not both');
    if (args.queue === undefined && (args.name !== undefined || args.state !== undefined)) throw new UsageError('--name and --state select jobs of a --queue');
    const queue = args.queue === undefined ? undefined : checkQueueName(args.queue);
    const listed = named.map(parseJobId);
    const patience = parseDuration(args['wait-for'], '--wait-for');
    const who = canceller(zkAuth(args)?.split(':')[0]);
    await withSession(args, async (session) => {
      const ids = queue === undefined ? listed : await matching(session, queue, args);
      if (queue !== undefined && ids.length === 0) writeStderr(`zkjobc: no ${args.state ?? 'unfinished'} job${args.name === undefined ? '' : ` named '${args.name}'`} in queue ${queue}\n`);
      for (const id of ids) {
        try {
          out(`${formatJobId(id)} ${await cancelOne(session, id, patience, who)}`);
        } catch (err) {
          if (!(err instanceof ZkjobsError)) throw err;
          writeStderr(`zkjobc: ${err.message}\n`);
          process.exitCode = err.exitCode === EXIT.OK ? EXIT.FAILURE : err.exitCode;
        }
      }
    });
  },
};

/** The unfinished jobs of `queue` that match, in job order; one walk of the queue, as zkjobq list does. */
async function matching({ zk, paths }: Session, queue: string, args: CancelArgs): Promise<JobId[]> {
  await requireQueue(zk, paths, queue);
  const filter = (j: JobStatus) => (args.name === undefined || j.spec?.name === args.name) && (args.state === undefined || (args.state === 'held' ? j.held : j.state === args.state));
  const jobs = await listJobs(zk, paths, queue, { unfinished: true, finished: false, limit: Number.MAX_SAFE_INTEGER, filter });
  return jobs.map((j) => parseJobId(j.id));
}

async function cancelOne({ zk, paths }: Session, id: JobId, patienceMs: number, who: CancelledBy): Promise<string> {
  if ((await cancelJob(zk, paths, id, who)) === 'cancelled') return 'cancelled';
  try {
    const { result, unverified } = await Promise.race([
      waitForResult(zk, paths, id),
      new Promise<never>((_, reject) => setTimeout(() => reject(new TempFailError(`job ${formatJobId(id)} was not stopped within ${patienceMs} ms; the request stays`)), patienceMs).unref()),
    ]);
    await withdrawRequest(zk, paths, id);
    if (unverified) return `already forged? (${unverified})`;
    return result.state === 'cancelled' ? 'cancelled' : `already ${result.state}`;
  } catch (err) {
    if (!(err instanceof TempFailError)) await withdrawRequest(zk, paths, id);
    throw err;
  }
}
