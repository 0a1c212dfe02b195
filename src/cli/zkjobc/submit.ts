// zkjobc submit [-q QUEUE] [--wait] -- COMMAND [ARG…]
// Prints the job id alone on stdout; with --wait, exits with the job's code.
import os from 'node:os';
import { constants, createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import readline from 'node:readline';
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions, withSession, out, LineBuffer, type ConnectionArgs } from '../program.js';
import { submitJob } from '../../submit.js';
import { formatJobId } from '../../job-id.js';
import { waitForResult } from '../../wait.js';
import { DataError, UsageError } from '../../errors.js';
import { submitBatch } from '../../batch.js';
import { exitStatusOf } from './status.js';
import type { JobSpec } from '../../job-spec.js';

interface SubmitArgs extends ConnectionArgs {
  queue: string;
  batch?: string;
  wait: boolean;
  name?: string;
  command?: string[];
  '--'?: string[];
}

export const submitCommand: CommandModule<object, SubmitArgs> = {
  command: 'submit [command..]',
  describe: 'submit a job: zkjobc submit [-q QUEUE] [--wait] -- COMMAND [ARG…]',
  builder: (y) => withConnectionOptions(y)
    .parserConfiguration({ 'populate--': true })
    .option('queue', { alias: 'q', type: 'string', default: process.env.ZKJOBS_QUEUE ?? 'default', describe: 'queue to submit to (env ZKJOBS_QUEUE)' })
    .option('wait', { alias: 'w', type: 'boolean', default: false, describe: "wait for the job to end and exit with its exit code (128+N if killed by signal N)" })
    .option('name', { type: 'string', describe: 'a name for the job, shown by zkjobq list' })
    .option('batch', { type: 'string', describe: 'submit one job per line of FILE (- for stdin): a JSON argv array or {"argv":[…],"name":…}' })
    .positional('command', { type: 'string', array: true }) as unknown as Argv<SubmitArgs>,
  handler: async (args) => {
    const argv = [...(args.command ?? []), ...(args['--'] ?? [])].map(String);
    if (args.batch !== undefined) return submitBatchFrom(args, argv);
    if (argv.length === 0) throw new UsageError('no command given');
    const spec: JobSpec = { argv, submittedAt: new Date().toISOString(), submitter: submitter() };
    if (args.name !== undefined) spec.name = args.name;
    await withSession(args, async ({ zk, paths }) => {
      const id = await submitJob(zk, paths, args.queue, spec);
      out(formatJobId(id));
      if (args.wait) process.exitCode = exitStatusOf(await waitForResult(zk, paths, id));
    });
  },
};

function submitter(): string {
  return `${os.userInfo().username}@${os.hostname()}`;
}

async function submitBatchFrom(args: SubmitArgs, argv: string[]): Promise<void> {
  if (argv.length > 0) throw new UsageError('--batch takes its commands from the file, not from the command line');
  if (args.wait) throw new UsageError('--batch cannot be combined with --wait (use zkjobc wait)');
  // yargs hands a lone "-" over as an empty value.
  const fromStdin = args.batch === '-' || args.batch === '';
  if (!fromStdin) await access(args.batch!, constants.R_OK).catch((err: Error) => Promise.reject(new DataError(`cannot read ${args.batch}: ${err.message}`)));
  const input = fromStdin ? process.stdin : createReadStream(args.batch!);
  await withSession(args, async ({ zk, paths }) => {
    const lines = readline.createInterface({ input, crlfDelay: Infinity });
    const ids = new LineBuffer();
    try {
      await submitBatch(zk, paths, args.queue, lines, (id) => ids.push(formatJobId(id)), submitter());
    } finally {
      ids.flush();
    }
  });
}
