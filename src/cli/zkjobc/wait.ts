// zkjobc wait JOB…: block until every job has ended. Exit 0 if all
// succeeded, else the exit status of the first (in argument order) that did
// not (77 for a result no authorized daemon signed: see authorized-daemons.ts). With --json, each job's final status as status --json prints it.
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions, withSession, out, type ConnectionArgs } from '../program.js';
import { jobStatus } from '../../status.js';
import { formatJobId, parseJobId } from '../../job-id.js';
import { waitForResult } from '../../wait.js';
import { endLine, exitStatusOf } from './status.js';
import { isGroupId, parseGroup } from '../../every-node.js';
import { waitGroupAndReport } from './group.js';
import { UsageError } from '../../errors.js';

/** wait GROUP: every copy; 0 when all succeeded, else the highest exit status, with a line per node on stderr. */
async function waitGroups(args: WaitArgs, names: string[]): Promise<void> {
  if (names.length > 1 || args.json) throw new UsageError('wait takes one group id alone (no --json)');
  const group = parseGroup(names[0]);
  await withSession(args, async ({ zk, paths }) => {
    process.exitCode = await waitGroupAndReport(zk, paths, group);
  });
}

interface WaitArgs extends ConnectionArgs {
  jobs: string[];
  json: boolean;
  quiet: boolean;
}

export const waitCommand: CommandModule<object, WaitArgs> = {
  command: 'wait <jobs..>',
  describe: 'wait for jobs (or one --every-node group) to end; exit 0 if all succeeded, else the first failing exit status (for a group, the highest)',
  builder: (y) => withConnectionOptions(y)
    .positional('jobs', { type: 'string', array: true, demandOption: true })
    .option('json', { type: 'boolean', default: false, describe: "print each job's final status as one JSON object, as status --json does" })
    .option('quiet', { type: 'boolean', default: false, describe: 'print nothing as jobs end (waiting for several jobs prints a line per job as each ends)' }) as unknown as Argv<WaitArgs>,
  handler: async (args) => {
    const names = args.jobs.map(String);
    if (names.some(isGroupId)) return waitGroups(args, names);
    const ids = names.map(parseJobId);
    const lines = ids.length > 1 && !args.quiet && !args.json;
    await withSession(args, async ({ zk, paths }) => {
      // All waited for at once, so that each line comes as its job ends, in whatever order they end.
      const codes = await Promise.all(ids.map(async (id) => {
        const ended = await waitForResult(zk, paths, id);
        if (lines) out(endLine(ended, formatJobId(id)));
        return exitStatusOf(ended, formatJobId(id));
      }));
      if (args.json) for (const id of ids) out(JSON.stringify(await jobStatus(zk, paths, id)));
      process.exitCode = codes.find((c) => c !== 0) ?? 0;
    });
  },
};
