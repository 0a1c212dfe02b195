// zkjobq show|rm|requeue JOB: one job at a time.
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions, withSession, out, type ConnectionArgs } from '../program.js';
import { formatJobId, parseJobId } from '../../job-id.js';
import { removeJob, requeueJob } from '../../remove.js';
import { requireStatus } from '../../job-output.js';
import type { JobStatus } from '../../status.js';
import { describeCommand } from '../../job-spec.js';

interface JobArgs extends ConnectionArgs {
  job: string;
  json?: boolean;
}

const jobArg = (y: Argv) => withConnectionOptions(y).positional('job', { type: 'string', demandOption: true });

export function describeJob(s: JobStatus): string[] {
  const r = s.result;
  const lines: [string, string | null | undefined][] = [
    ['Job', s.id],
    ['State', s.state],
    ['Name', s.spec?.name],
    ['Command', s.spec ? describeCommand(s.spec) : null],
    ['Node', s.node],
    ['Attempt', String(s.attempt)],
    ['Submitted', s.spec?.submittedAt],
    ['Submitter', s.spec?.submitter],
    ['Started', r?.startedAt ?? s.claim?.since],
    ['Finished', r?.finishedAt],
    ['Exit', r ? (r.signal ?? (r.exitCode === null ? '-' : String(r.exitCode))) : null],
    ['Reason', r?.reason ?? s.reason],
    ['Problem', s.problem],
  ];
  return lines.filter(([, v]) => v !== null && v !== undefined && v !== '').map(([k, v]) => `${`${k}:`.padEnd(11)}${v}`);
}

export const showCommand: CommandModule<object, JobArgs> = {
  command: 'show <job>',
  describe: 'everything known about one job',
  builder: (y) => jobArg(y).option('json', { type: 'boolean', default: false, describe: 'the job as one JSON object' }) as unknown as Argv<JobArgs>,
  handler: async (args) => {
    const id = parseJobId(String(args.job));
    await withSession(args, async ({ zk, paths }) => {
      const status = await requireStatus(zk, paths, id);
      out(args.json ? JSON.stringify(status) : describeJob(status).join('\n'));
    });
  },
};

export const rmCommand: CommandModule<object, JobArgs> = {
  command: 'rm <job>',
  describe: 'remove a pending or finished job (a running one: cancel it first)',
  builder: (y) => jobArg(y) as unknown as Argv<JobArgs>,
  handler: async (args) => {
    const id = parseJobId(String(args.job));
    await withSession(args, async ({ zk, paths }) => out(`${formatJobId(id)} removed (${await removeJob(zk, paths, id)})`));
  },
};

export const requeueCommand: CommandModule<object, JobArgs> = {
  command: 'requeue <job>',
  describe: 'submit a failed or cancelled job again, under a new id (printed)',
  builder: (y) => jobArg(y) as unknown as Argv<JobArgs>,
  handler: async (args) => {
    const id = parseJobId(String(args.job));
    await withSession(args, async ({ zk, paths }) => out(formatJobId(await requeueJob(zk, paths, id))));
  },
};
