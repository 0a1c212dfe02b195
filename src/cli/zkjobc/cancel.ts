// zkjobc cancel JOB…: a pending job is cancelled at once; a running one is
// killed by the daemon running it (TERM, grace, KILL), which records
// 'cancelled'. Waits, bounded, for that result. A finished job: exit 1.
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions, withSession, out, zkAuth, type ConnectionArgs } from '../program.js';
import { formatJobId, parseJobId, type JobId } from '../../job-id.js';
import { cancelJob, canceller, withdrawRequest } from '../../cancel.js';
import type { CancelledBy } from '../../attempt-history.js';
import { waitForResult } from '../../wait.js';
import { parseDuration } from '../../duration.js';
import { EXIT, TempFailError, ZkjobsError } from '../../errors.js';
import type { Session } from '../program.js';

interface CancelArgs extends ConnectionArgs {
  jobs: string[];
  'wait-for': string;
}

export const cancelCommand: CommandModule<object, CancelArgs> = {
  command: 'cancel <jobs..>',
  describe: 'cancel jobs: pending ones at once, running ones by killing them',
  builder: (y) => withConnectionOptions(y)
    .positional('jobs', { type: 'string', array: true, demandOption: true })
    .option('wait-for', { type: 'string', default: '60s', describe: 'how long to wait for a running job to be killed and recorded' }) as unknown as Argv<CancelArgs>,
  handler: async (args) => {
    const ids = args.jobs.map(String).map(parseJobId);
    const patience = parseDuration(args['wait-for'], '--wait-for');
    const who = canceller(zkAuth(args)?.split(':')[0]);
    await withSession(args, async (session) => {
      for (const id of ids) {
        try {
          out(`${formatJobId(id)} ${await cancelOne(session, id, patience, who)}`);
        } catch (err) {
          if (!(err instanceof ZkjobsError)) throw err;
          process.stderr.write(`zkjobc: ${err.message}\n`);
          process.exitCode = err.exitCode === EXIT.OK ? EXIT.FAILURE : err.exitCode;
        }
      }
    });
  },
};

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
