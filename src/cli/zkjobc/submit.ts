// zkjobc submit [options] -- COMMAND [ARG…] ['|' COMMAND [ARG…]]…
// Prints the job id alone on stdout; with --wait, exits with the job's code.
import os from 'node:os';
import { constants, createReadStream, readFileSync } from 'node:fs';
import { access } from 'node:fs/promises';
import readline from 'node:readline';
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions, withSession, out, warn, LineBuffer, type ConnectionArgs, type Session } from '../program.js';
import { unplaceable } from '../../placement-check.js';
import { formatGroup, submitEveryNode } from '../../every-node.js';
import { waitGroupAndReport } from './group.js';
import { anyServer } from '../../node-registry.js';
import { submitJob } from '../../submit.js';
import { formatJobId } from '../../job-id.js';
import { waitForResult } from '../../wait.js';
import { DataError, UsageError } from '../../errors.js';
import { submitBatch } from '../../batch.js';
import { endLine, exitStatusOf } from './status.js';
import { MAX_STDIN_BYTES, requirementsOf, type JobSpec } from '../../job-spec.js';
import { splitPipeline } from '../../pipeline-args.js';
import { parseDuration } from '../../duration.js';
import { loadSubmitterKey, specSigner, type SpecSigner } from '../../submitter-key.js';
import { checkCpus, parseSize, parseTagList } from '../../placement.js';
import { clientDefaults } from '../../config.js';

interface SubmitArgs extends ConnectionArgs {
  queue: string;
  batch?: string;
  wait: boolean;
  name?: string;
  shell?: string;
  env: string[];
  cwd?: string;
  stdin?: string;
  timeout?: string;
  retries?: number;
  'retry-delay'?: string;
  'mail-to'?: string;
  'pipe-token': string;
  key?: string;
  require?: string;
  'every-node': boolean;
  cpus?: number;
  mem?: string;
  command?: string[];
  '--'?: string[];
}

function options(y: Argv): Argv<SubmitArgs> {
  return withConnectionOptions(y)
    .parserConfiguration({ 'populate--': true })
    .option('queue', { alias: 'q', type: 'string', default: process.env.ZKJOBS_QUEUE ?? 'default', describe: 'queue to submit to (env ZKJOBS_QUEUE)' })
    .option('wait', { alias: 'w', type: 'boolean', default: false, describe: "wait for the job to end and exit with its exit code (128+N if killed by signal N)" })
    .option('name', { type: 'string', describe: 'a name for the job, shown by zkjobq list' })
    .option('shell', { type: 'string', describe: 'run STRING with /bin/sh -c (only on queues that allow shell jobs)' })
    .option('env', { type: 'string', array: true, default: [], describe: 'set K=V in the job environment (repeatable); BASH_ENV, LD_* and the like are refused (exit 65)' })
    .option('cwd', { type: 'string', describe: 'absolute working directory of the job' })
    .option('stdin', { type: 'string', describe: `file (or - for this input) fed to the job's standard input, at most ${MAX_STDIN_BYTES / 1024} KiB` })
    .option('timeout', { type: 'string', describe: 'kill the job after DURATION (TERM, then KILL); it fails with reason timeout' })
    .option('retries', { type: 'number', describe: 'run a failed job again up to N times' })
    .option('retry-delay', { type: 'string', describe: 'wait before the first retry, doubled for each further one (default 10s)' })
    .option('mail-to', { type: 'string', describe: "mail a report to ADDR if the job fails" })
    .option('pipe-token', { type: 'string', default: '|', describe: "the argument that separates pipeline stages" })
    .option('batch', { type: 'string', describe: 'submit one job per line of FILE (- for stdin): a JSON argv array or a JSON spec object' })
    .option('key', { type: 'string', default: process.env.ZKJOBS_KEY, describe: 'sign jobs with this private key (env ZKJOBS_KEY; default ~/.config/zkjobs/id_ed25519 when it exists, see zkjobc keygen)' })
    .option('require', { type: 'string', describe: "run only on a node that has every one of TAG,… (see zkjobq nodes); default: the queue's require in the configuration file" })
    .option('every-node', { type: 'boolean', default: false, describe: 'run the command once on every live node that serves the queue (and has the --require tags); prints one group id for zkjobc wait and output' })
    .option('cpus', { type: 'number', describe: "slots the job takes on its node (default 1)" })
    .option('mem', { type: 'string', describe: "memory the job needs, e.g. 512M, 4G: claimed only by a node whose available memory, less what its running jobs asked for, covers it" })
    .positional('command', { type: 'string', array: true }) as unknown as Argv<SubmitArgs>;
}

export const submitCommand: CommandModule<object, SubmitArgs> = {
  command: 'submit [command..]',
  describe: "submit a job: zkjobc submit [-q QUEUE] [--wait] -- COMMAND [ARG…] ['|' COMMAND…]",
  builder: options,
  handler: async (args) => {
    const words = [...(args.command ?? []), ...(args['--'] ?? [])].map(String);
    if (args.batch !== undefined) return submitBatchFrom(args, words);
    const spec = buildSpec(args, words);
    const sign = signerFor(args);
    if (args['every-node']) return submitToEveryNode(args, spec, sign);
    await withSession(args, async ({ zk, paths }) => {
      const id = await submitJob(zk, paths, args.queue, spec, sign);
      out(formatJobId(id));
      const why = await unplaceable(zk, paths, args.queue, requirementsOf(spec));
      if (why) warn(`warning: ${formatJobId(id)} waits: ${why}`);
      else await warnIfUnserved(zk, paths, args.queue);
      if (args.wait) {
        const ended = await waitForResult(zk, paths, id);
        process.exitCode = exitStatusOf(ended, formatJobId(id));
        // What happened, for the person or log reading stderr: the exit code alone does not say.
        if (process.exitCode !== 0 && !ended.unverified) process.stderr.write(`zkjobc: ${endLine(ended, formatJobId(id))}\n`);
      }
    });
  },
};

async function submitToEveryNode(args: SubmitArgs, spec: JobSpec, sign: SpecSigner | undefined): Promise<void> {
  await withSession(args, async ({ zk, paths }) => {
    const { group } = await submitEveryNode(zk, paths, args.queue, spec, sign);
    out(formatGroup(group));
    if (args.wait) process.exitCode = await waitGroupAndReport(zk, paths, group);
  });
}

/** A job nobody will run is still accepted (a daemon may come), but said so on stderr: exit 0 all the same. */
async function warnIfUnserved(zk: Session['zk'], paths: Session['paths'], queue: string): Promise<void> {
  if (!(await anyServer(zk, paths, queue))) warn(`warning: no live zkjobd serves queue ${queue}; the job waits until one does (zkjobq nodes)`);
}

/** Turn the command line into a spec; every check that can fail does so here, before ZooKeeper. */
export function buildSpec(args: SubmitArgs, words: string[]): JobSpec {
  let spec: JobSpec;
  if (args.shell !== undefined) {
    if (words.length > 0) throw new UsageError('--shell takes the command as its value, not after --');
    spec = { argv: ['/bin/sh', '-c', args.shell], shell: args.shell, submittedAt: new Date().toISOString(), submitter: submitter() };
  } else {
    const [argv, ...pipeline] = splitPipeline(words, args['pipe-token']);
    spec = { argv, submittedAt: new Date().toISOString(), submitter: submitter() };
    if (pipeline.length > 0) spec.pipeline = pipeline;
  }
  if (args.name !== undefined) spec.name = args.name;
  if (args.env.length > 0) spec.env = parseEnv(args.env.map(String));
  if (args.cwd !== undefined) spec.cwd = args.cwd;
  if (args.stdin !== undefined) spec.stdin = readStdinOption(args.stdin);
  if (args.timeout !== undefined) spec.timeoutMs = parseDuration(args.timeout, '--timeout');
  if (args.retries !== undefined) {
    if (!Number.isInteger(args.retries) || args.retries < 0) throw new UsageError(`--retries must be a whole number, got '${args.retries}'`);
    spec.retries = args.retries;
  }
  if (args['retry-delay'] !== undefined) spec.retryDelayMs = parseDuration(args['retry-delay'], '--retry-delay');
  if (args['mail-to'] !== undefined) spec.mailTo = args['mail-to'];
  Object.assign(spec, placementOf(args));
  return spec;
}

/** --require, --cpus, --mem as spec fields (left out at their defaults). */
function placementOf(args: SubmitArgs): Pick<JobSpec, 'require' | 'cpus' | 'mem'> {
  const fields: Pick<JobSpec, 'require' | 'cpus' | 'mem'> = {};
  try {
    // The queue's default from the configuration file, unless --require is given (--require '' for none).
    const require = args.require ?? clientDefaults().queueRequire?.get(args.queue)?.join(',');
    if (require !== undefined) {
      const tags = parseTagList(String(require));
      if (tags.length > 0) fields.require = tags;
    }
    if (args.cpus !== undefined && checkCpus(args.cpus) !== 1) fields.cpus = args.cpus;
    if (args.mem !== undefined) fields.mem = parseSize(String(args.mem), '--mem');
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return fields;
}

function parseEnv(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--env takes K=V, got '${pair}'`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

function readStdinOption(source: string): string {
  let data: Buffer;
  try {
    data = readFileSync(source === '-' || source === '' ? 0 : source);
  } catch (err) {
    throw new DataError(`cannot read ${source}: ${(err as Error).message}`);
  }
  if (data.length > MAX_STDIN_BYTES) throw new DataError(`standard input is ${data.length} bytes, over the limit of ${MAX_STDIN_BYTES}`);
  return data.toString('base64');
}

/** Sign with the user's key when there is one: daemons with an authorized_submitters file run only signed jobs. */
function signerFor(args: SubmitArgs): SpecSigner | undefined {
  const key = loadSubmitterKey(args.key || undefined);
  return key ? specSigner(key) : undefined;
}

function submitter(): string {
  return `${os.userInfo().username}@${os.hostname()}`;
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
