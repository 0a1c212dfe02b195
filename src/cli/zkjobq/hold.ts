// zkjobq hold|release JOB: keep one pending job from starting, and let it
// start again in its place (hold.ts says how, and why it is crash safe).
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions, withSession, out, type ConnectionArgs } from '../program.js';
import { formatJobId, parseJobId } from '../../job-id.js';
import { requireQueue } from '../../queue.js';
import { holdJob, releaseJob, type HoldOutcome } from '../../hold.js';

interface JobArgs extends ConnectionArgs {
  job: string;
}

/** What the line on stdout says after the job id. */
const SAID: Record<HoldOutcome, (job: string) => string> = {
  held: (job) => `held (zkjobq release ${job} lets it run)`,
  'already held': () => 'already held; nothing changed',
  released: () => 'released',
  'not held': () => 'not held; nothing to release',
};

function holdOrRelease(hold: boolean): CommandModule<object, JobArgs> {
  return {
    command: `${hold ? 'hold' : 'release'} <job>`,
    describe: hold ? 'keep a pending job from starting until released; it keeps its place' : 'let a held job start, in its place by job number',
    builder: (y) => withConnectionOptions(y).positional('job', { type: 'string', demandOption: true }) as unknown as Argv<JobArgs>,
    handler: async (args) => {
      const id = parseJobId(String(args.job));
      await withSession(args, async ({ zk, paths }) => {
        await requireQueue(zk, paths, id.queue);
        const outcome = await (hold ? holdJob : releaseJob)(zk, paths, id);
        out(`${formatJobId(id)} ${SAID[outcome](formatJobId(id))}`);
      });
    },
  };
}

export const holdCommand = holdOrRelease(true);
export const releaseCommand = holdOrRelease(false);
