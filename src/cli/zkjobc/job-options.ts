// The options that describe a job, shared by `zkjobc submit` and
// `zkjobc run`, and the spec built from them: every check that can fail
// is made here, before ZooKeeper is asked anything.
import os from 'node:os';
import { readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { withConnectionOptions, type ConnectionArgs } from '../program.js';
import { DataError, UsageError } from '../../errors.js';
import { MAX_STDIN_BYTES, type JobSpec } from '../../job-spec.js';
import { splitPipeline } from '../../pipeline-args.js';
import { parseDuration } from '../../duration.js';
import { loadSubmitterKey, specSigner, type SpecSigner } from '../../submitter-key.js';
import { checkCpus, parseSize, parseTagList } from '../../placement.js';
import { clientDefaults } from '../../config.js';

export interface JobArgs extends ConnectionArgs {
  queue: string;
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
  cpus?: number;
  mem?: string;
  command?: string[];
  '--'?: string[];
}

/** The connection options and those of the job itself; the command comes after --. */
export function jobOptions<T>(y: Argv<T>): Argv<T & JobArgs> {
  return withConnectionOptions(y)
    .parserConfiguration({ 'populate--': true })
    .option('queue', { alias: 'q', type: 'string', default: process.env.ZKJOBS_QUEUE ?? 'default', describe: 'queue to submit to (env ZKJOBS_QUEUE)' })
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
    .option('key', { type: 'string', default: process.env.ZKJOBS_KEY, describe: 'sign jobs with this private key (env ZKJOBS_KEY; default ~/.config/zkjobs/id_ed25519 when it exists, see zkjobc keygen)' })
    .option('require', { type: 'string', describe: "run only on a node that has every one of TAG,… (see zkjobq nodes); default: the queue's require in the configuration file" })
    .option('cpus', { type: 'number', describe: "slots the job takes on its node (default 1)" })
    .option('mem', { type: 'string', describe: "memory the job needs, e.g. 512M, 4G: claimed only by a node whose available memory, less what its running jobs asked for, covers it" })
    .positional('command', { type: 'string', array: true }) as unknown as Argv<T & JobArgs>;
}

/** The command's words: those before -- (yargs's positionals) and those after. */
export function commandWords(args: JobArgs): string[] {
  return [...(args.command ?? []), ...(args['--'] ?? [])].map(String);
}

/** Turn the command line into a spec; every check that can fail does so here, before ZooKeeper. */
export function buildSpec(args: JobArgs, words: string[]): JobSpec {
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
function placementOf(args: JobArgs): Pick<JobSpec, 'require' | 'cpus' | 'mem'> {
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
export function signerFor(args: JobArgs): SpecSigner | undefined {
  const key = loadSubmitterKey(args.key || undefined);
  return key ? specSigner(key) : undefined;
}

export function submitter(): string {
  return `${os.userInfo().username}@${os.hostname()}`;
}
