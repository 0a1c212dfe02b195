// zkjobc wait JOB…: block until every job has ended. Exit 0 if all
// succeeded, else the exit status of the first (in argument order) that did not.
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions, withSession, type ConnectionArgs } from '../program.js';
import { parseJobId } from '../../job-id.js';
import { waitForResult } from '../../wait.js';
import { exitStatusOf } from './status.js';

interface WaitArgs extends ConnectionArgs {
  jobs: string[];
}

export const waitCommand: CommandModule<object, WaitArgs> = {
  command: 'wait <jobs..>',
  describe: 'wait for jobs to end; exit 0 if all succeeded, else the first failing exit status',
  builder: (y) => withConnectionOptions(y).positional('jobs', { type: 'string', array: true, demandOption: true }) as unknown as Argv<WaitArgs>,
  handler: async (args) => {
    const ids = args.jobs.map(String).map(parseJobId);
    await withSession(args, async ({ zk, paths }) => {
      let first = 0;
      for (const id of ids) {
        const code = exitStatusOf(await waitForResult(zk, paths, id));
        if (first === 0) first = code;
      }
      process.exitCode = first;
    });
  },
};
