// zkjobc submit [options] -- COMMAND [ARG…] ['|' COMMAND [ARG…]]…
// Prints the job id alone on stdout; with --wait, exits with the job's code.
import { constants, createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import readline from 'node:readline';
import type { Argv, CommandModule } from 'yargs';
import { withSession, out, warn, LineBuffer, type Session } from '../program.js';
import { unplaceable } from '../../placement-check.js';
import { formatGroup, submitEveryNode } from '../../every-node.js';
import { waitGroupAndReport } from './group.js';
import { anyServer } from '../../node-registry.js';
import { submitJob } from '../../submit.js';
import { formatJobId } from '../../job-id.js';
import { DataError, UsageError } from '../../errors.js';
import { submitBatch } from '../../batch.js';
import { endLine, exitStatusOf } from './status.js';
import { requirementsOf, type JobSpec } from '../../job-spec.js';
import type { SpecSigner } from '../../submitter-key.js';
import { buildSpec, commandWords, jobOptions, signerFor, submitter, type JobArgs } from './job-options.js';
import { interruptsFor, watchJob, watchOptions, type WatchArgs } from './watch-job.js';
import { outputToken } from '../../job-output.js';
import { writeStderr } from '../stdio.js';

interface SubmitArgs extends JobArgs, WatchArgs {
  batch?: string;
  wait: boolean;
  output: boolean;
  'every-node': boolean;
}

function options(y: Argv): Argv<SubmitArgs> {
  return watchOptions(jobOptions(y))
    .option('wait', { alias: 'w', type: 'boolean', default: false, describe: "wait for the job to end and exit with its exit code (128+N if killed by signal N)" })
    .option('output', { type: 'boolean', default: false, describe: "with --wait: stream the job's stdout to ours and its stderr to ours while it runs" })
    .option('batch', { type: 'string', describe: 'submit one job per line of FILE (- for stdin): a JSON argv array or a JSON spec object' })
    .option('every-node', { type: 'boolean', default: false, describe: 'run the command once on every live node that serves the queue (and has the --require tags); prints one group id for zkjobc wait and output' }) as unknown as Argv<SubmitArgs>;
}

export const submitCommand: CommandModule<object, SubmitArgs> = {
  command: 'submit [command..]',
  describe: "submit a job: zkjobc submit [-q QUEUE] [--wait] -- COMMAND [ARG…] ['|' COMMAND…]",
  builder: options,
  handler: async (args) => {
    const words = commandWords(args);
    if (args.batch !== undefined) return submitBatchFrom(args, words);
    const spec = buildSpec(args, words);
    checkWatching(args);
    const sign = signerFor(args);
    if (args['every-node']) return submitToEveryNode(args, spec, sign);
    await withSession(args, async ({ zk, paths }) => {
      // Whether anyone can run it does not depend on the job: looked up while it is submitted.
      const waits = whyItWouldWait(zk, paths, args.queue, spec);
      waits.catch(() => undefined); // a failed submit reports its own error
      const id = await submitJob(zk, paths, args.queue, spec, sign);
      // Ctrl-C is ours from the moment the id exists: whoever sees the id may press it.
      const interrupts = args.wait ? interruptsFor({ zk, paths }, [id], args) : undefined;
      out(formatJobId(id));
      const why = await waits;
      if (why === UNSERVED) warn(unservedWarning(args.queue));
      else if (why) warn(`warning: ${formatJobId(id)} waits: ${why}`);
      if (args.wait) {
        const ended = await watchJob({ zk, paths }, id, args, args.output, interrupts);
        process.exitCode = exitStatusOf(ended, formatJobId(id));
        // What happened, for the person or log reading stderr: the exit code alone does not say.
        if (process.exitCode !== 0 && !ended.unverified) writeStderr(`zkjobc: ${endLine(ended, formatJobId(id))}\n`);
      }
    });
  },
};

/** --output and --cancel-on-interrupt are about waiting for one job. */
function checkWatching(args: SubmitArgs): void {
  const watching = args.output ? '--output' : args['cancel-on-interrupt'] ? '--cancel-on-interrupt' : null;
  if (watching === null) return;
  if (!args.wait) throw new UsageError(`${watching} goes with --wait (or use zkjobc run)`);
  if (args['every-node']) throw new UsageError(`${watching} is for one job, not an --every-node group`);
  outputToken(args['http-token-file']); // an unreadable token file fails before anything is submitted
}

async function submitToEveryNode(args: SubmitArgs, spec: JobSpec, sign: SpecSigner | undefined): Promise<void> {
  await withSession(args, async ({ zk, paths }) => {
    const { group } = await submitEveryNode(zk, paths, args.queue, spec, sign);
    out(formatGroup(group));
    if (args.wait) process.exitCode = await waitGroupAndReport(zk, paths, group);
  });
}

/** A job nobody will run is still accepted (a daemon may come), but said so on stderr: exit 0 all the same. */
async function warnIfUnserved(zk: Session['zk'], paths: Session['paths'], queue: string): Promise<void> {
  if (!(await anyServer(zk, paths, queue))) warn(unservedWarning(queue));
}

const UNSERVED = Symbol('unserved');

function unservedWarning(queue: string): string {
  return `warning: no live zkjobd serves queue ${queue}; the job waits until one does (zkjobq nodes)`;
}

/** Why no live node can run a job of this spec (its requirements first), UNSERVED when no daemon serves the queue, null when one can. */
async function whyItWouldWait(zk: Session['zk'], paths: Session['paths'], queue: string, spec: JobSpec): Promise<string | typeof UNSERVED | null> {
  const why = await unplaceable(zk, paths, queue, requirementsOf(spec));
  if (why) return why;
  return (await anyServer(zk, paths, queue)) ? null : UNSERVED;
}

async function submitBatchFrom(args: SubmitArgs, words: string[]): Promise<void> {
  if (words.length > 0) throw new UsageError('--batch takes its commands from the file, not from the command line');
  if (args.wait) throw new UsageError('--batch cannot be combined with --wait (use zkjobc wait)');
  // yargs hands a lone "-" over as an empty value.
  const fromStdin = args.batch === '-' || args.batch === '';
  if (!fromStdin) await access(args.batch!, constants.R_OK).catch((err: Error) => Promise.reject(new DataError(`cannot read ${args.batch}: ${err.message}`)));
  const input = fromStdin ? process.stdin : createReadStream(args.batch!);
  const sign = signerFor(args);
  await withSession(args, async ({ zk, paths }) => {
    const lines = readline.createInterface({ input, crlfDelay: Infinity });
    const ids = new LineBuffer();
    try {
      await submitBatch(zk, paths, args.queue, lines, (id) => ids.push(formatJobId(id)), submitter(), sign);
    } finally {
      ids.flush();
    }
    await warnIfUnserved(zk, paths, args.queue);
  });
}
