// zkjobc wait JOB…: block until every job has ended. Exit 0 if all
// succeeded, else the exit status of the first (in argument order) that did
// not (77 for a result no authorized daemon signed: see authorized-daemons.ts). With --json, each job's final status as status --json prints it.
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions, withSession, out, type Session } from '../program.js';
import { jobStatus } from '../../status.js';
import { formatJobId, parseJobId, type JobId } from '../../job-id.js';
import { waitForResult } from '../../wait.js';
import { endLine, exitStatusOf } from './status.js';
import { isGroupId, parseGroup } from '../../every-node.js';
import { waitGroupAndReport } from './group.js';
import { UsageError } from '../../errors.js';
import { outputToken } from '../../job-output.js';
import { interruptsFor, watchJob, watchOptions, type WatchArgs } from './watch-job.js';

/** wait GROUP: every copy; 0 when all succeeded, else the highest exit status, with a line per node on stderr. */
async function waitGroups(args: WaitArgs, names: string[]): Promise<void> {
  if (names.length > 1 || args.json || args.output || args['cancel-on-interrupt']) throw new UsageError('wait takes one group id alone (no --json, --output or --cancel-on-interrupt)');
  const group = parseGroup(names[0]);
  await withSession(args, async ({ zk, paths }) => {
    process.exitCode = await waitGroupAndReport(zk, paths, group);
  });
}

/** Several jobs, all waited for at once, so that each line comes as its job ends, in whatever order they end. */
async function waitForAll(session: Session, ids: JobId[], args: WaitArgs, lines: boolean): Promise<number[]> {
  const interrupts = interruptsFor(session, ids, args);
  try {
    const codes = await Promise.race([Promise.all(ids.map(async (id) => {
      const ended = await waitForResult(session.zk, session.paths, id);
      if (lines) out(endLine(ended, formatJobId(id)));
      return exitStatusOf(ended, formatJobId(id));
    })), interrupts.interrupted]);
    await interrupts.settle();
    return codes;
  } finally {
    interrupts.dispose();
  }
}

interface WaitArgs extends WatchArgs {
  jobs: string[];
  json: boolean;
  quiet: boolean;
  output: boolean;
}

export const waitCommand: CommandModule<object, WaitArgs> = {
  command: 'wait <jobs..>',
  describe: 'wait for jobs (or one --every-node group) to end; exit 0 if all succeeded, else the first failing exit status (for a group, the highest)',
  builder: (y) => watchOptions(withConnectionOptions(y))
    .positional('jobs', { type: 'string', array: true, demandOption: true })
    .option('json', { type: 'boolean', default: false, describe: "print each job's final status as one JSON object, as status --json does" })
    .option('quiet', { type: 'boolean', default: false, describe: 'print nothing as jobs end (waiting for several jobs prints a line per job as each ends)' })
    .option('output', { type: 'boolean', default: false, describe: "for one job: stream its stdout to ours and its stderr to ours while it runs" }) as unknown as Argv<WaitArgs>,
  handler: async (args) => {
    const names = args.jobs.map(String);
    if (args.output && names.length > 1) throw new UsageError('--output follows one job; name one job');
    if (names.some(isGroupId)) return waitGroups(args, names);
    const ids = names.map(parseJobId);
    if (args.output) outputToken(args['http-token-file']);
    const lines = ids.length > 1 && !args.quiet && !args.json;
    await withSession(args, async (session) => {
      const { zk, paths } = session;
      const codes = ids.length === 1
        ? [exitStatusOf(await watchJob(session, ids[0], args, args.output), formatJobId(ids[0]))]
        : await waitForAll(session, ids, args, lines);
      if (args.json) for (const id of ids) out(JSON.stringify(await jobStatus(zk, paths, id)));
      process.exitCode = codes.find((c) => c !== 0) ?? 0;
    });
  },
};
