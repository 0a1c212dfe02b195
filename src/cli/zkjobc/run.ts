// zkjobc run [options] -- COMMAND [ARG…]: like Slurm's srun. Submit the job,
// stream its standard output to ours and its standard error to ours while
// it runs, and exit with its exit status (as `wait` reports it). Nothing
// else goes to standard output: the job id appears only in the lines on
// standard error (a warning, a failure, an interrupt).
import type { Argv, CommandModule } from 'yargs';
import { withSession, warn } from '../program.js';
import { unplaceable } from '../../placement-check.js';
import { anyServer } from '../../node-registry.js';
import { submitJob } from '../../submit.js';
import { formatJobId } from '../../job-id.js';
import { requirementsOf } from '../../job-spec.js';
import { outputToken } from '../../job-output.js';
import { endLine, exitStatusOf } from './status.js';
import { buildSpec, commandWords, jobOptions, signerFor, type JobArgs } from './job-options.js';
import { interruptsFor, watchJob, watchOptions, type WatchArgs } from './watch-job.js';

type RunArgs = JobArgs & WatchArgs;

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run [command..]',
  describe: "run a job and stream its output, like srun: zkjobc run [-q QUEUE] -- COMMAND [ARG…]; exits with the job's exit status",
  builder: (y: Argv) => watchOptions(jobOptions(y)) as unknown as Argv<RunArgs>,
  handler: async (args) => {
    const spec = buildSpec(args, commandWords(args));
    const sign = signerFor(args);
    outputToken(args['http-token-file']); // an unreadable token file fails before anything is submitted
    await withSession(args, async (session) => {
      const { zk, paths } = session;
      const id = await submitJob(zk, paths, args.queue, spec, sign);
      const interrupts = interruptsFor(session, [id], args);
      const name = formatJobId(id);
      const why = await unplaceable(zk, paths, args.queue, requirementsOf(spec));
      if (why) warn(`warning: ${name} waits: ${why}`);
      else if (!(await anyServer(zk, paths, args.queue))) warn(`warning: no live zkjobd serves queue ${args.queue}; ${name} waits until one does (zkjobq nodes)`);
      const ended = await watchJob(session, id, args, true, interrupts);
      process.exitCode = exitStatusOf(ended, name);
      // What happened, for whoever reads stderr: the exit status alone does not say.
      if (process.exitCode !== 0 && !ended.unverified) warn(endLine(ended, name));
    });
  },
};
