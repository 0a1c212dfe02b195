// zkjobc logs [-f] JOB: the output of a running (or finished) job from the
// node that runs it, following it until it ends with -f.
// zkjobc output JOB: the stored output of a finished job; from the node's
// spool, or the result's tail (with a note) when that node is unreachable.
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions, withSession, type ConnectionArgs, type Session } from '../program.js';
import { formatJobId, parseJobId, type JobId } from '../../job-id.js';
import { jobStatus, type JobStatus } from '../../status.js';
import { endpointOf, fetchOutput, outputToken, requireStatus, type OutputStream } from '../../job-output.js';
import { UnavailableError, UsageError, ZkjobsError } from '../../errors.js';
import { isGroupId, parseGroup } from '../../every-node.js';
import { groupOutput } from './group.js';
import { writeStderr, writeStdout } from '../stdio.js';

interface OutputArgs extends ConnectionArgs {
  job: string;
  stderr: boolean;
  follow?: boolean;
  'http-token-file'?: string;
  dir?: string;
}

function options(y: Argv, follow: boolean): Argv<OutputArgs> {
  let built = withConnectionOptions(y)
    .positional('job', { type: 'string', demandOption: true })
    .option('stderr', { type: 'boolean', default: false, describe: 'standard error instead of standard output' })
    .option('http-token-file', { type: 'string', describe: "file holding the daemons' output token (env ZKJOBS_HTTP_TOKEN)" });
  if (!follow) built = built.option('dir', { type: 'string', describe: "for a group: write each node's output to DIR/NODE instead of printing it prefixed with the node's name" });
  if (follow) built = built.option('follow', { alias: 'f', type: 'boolean', default: false, describe: 'keep following until the job ends' });
  return built as unknown as Argv<OutputArgs>;
}

function token(args: OutputArgs): string | null {
  return outputToken(args['http-token-file']);
}

async function stream(args: OutputArgs, follow: boolean, finishedOnly: boolean): Promise<void> {
  if (finishedOnly && isGroupId(String(args.job))) {
    const group = parseGroup(String(args.job));
    return withSession(args, ({ zk, paths }) => groupOutput(zk, paths, group, args.stderr ? 'stderr' : 'stdout', token(args), args.dir));
  }
  if (args.dir !== undefined) throw new UsageError('--dir is for a group id (submit --every-node)');
  const id = parseJobId(String(args.job));
  const which: OutputStream = args.stderr ? 'stderr' : 'stdout';
  await withSession(args, async ({ zk, paths }) => {
    let status = await requireStatus(zk, paths, id);
    if (status.state === 'pending' && !follow) throw new ZkjobsError(`job ${status.id} has not started yet`);
    if (status.state === 'pending') status = await startOf(zk, paths, id);
    if (status.result && status.result.startedAt === null) {
      // Ended before it started (cancelled while pending): there is no output anywhere.
      writeStderr(`zkjobc: job ${status.id} ${status.result.state} before it started; it has no output\n`);
      return;
    }
    if (finishedOnly && status.state === 'running') throw new ZkjobsError(`job ${status.id} is still running; use zkjobc logs -f`);
    try {
      const secret = token(args);
      const body = await fetchOutput(await endpointOf(zk, paths, status.node!, secret), id, which, follow, secret);
      for await (const chunk of body) writeStdout(chunk);
    } catch (err) {
      if (!(err instanceof UnavailableError) || !status.result) throw err;
      writeStderr(`zkjobc: ${err.message}; printing the last ${which} kept with the result\n`);
      writeStdout(args.stderr ? status.result.stderrTail : status.result.stdoutTail);
    }
  });
}

/** How often a follower looks whether a pending job has started. */
const START_POLL_MS = 500;

/**
 * logs -f on a pending job: say so once, and wait until it starts or ends
 * (cancelled while pending, purged: then requireStatus says so). A lost
 * connection ends the wait as any command's does (program.ts).
 */
async function startOf(zk: Session['zk'], paths: Session['paths'], id: JobId): Promise<JobStatus> {
  writeStderr(`zkjobc: job ${formatJobId(id)} has not started yet; waiting for it to start\n`);
  for (;;) {
    await new Promise((r) => setTimeout(r, START_POLL_MS));
    // The job alone, without the pending reason requireStatus works out (a read of every node record).
    const status = await jobStatus(zk, paths, id);
    if (!status || status.state !== 'pending') return requireStatus(zk, paths, id);
  }
}

export const logsCommand: CommandModule<object, OutputArgs> = {
  command: 'logs <job>',
  describe: "print a job's output from the node running it (-f: follow until it ends)",
  builder: (y) => options(y, true),
  handler: (args) => stream(args, args.follow ?? false, false),
};

export const outputCommand: CommandModule<object, OutputArgs> = {
  command: 'output <job>',
  describe: "print a finished job's stored output; for an --every-node group, every node's, each line prefixed with the node's name (or --dir DIR: one file per node)",
  builder: (y) => options(y, false),
  handler: (args) => stream(args, false, true),
};
