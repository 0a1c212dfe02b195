// zkjobq show|rm|requeue JOB: one job at a time.
import os from 'node:os';
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions, withSession, out, type ConnectionArgs } from '../program.js';
import { formatJobId, parseJobId } from '../../job-id.js';
import { removeJob, requeueJob } from '../../remove.js';
import { requireStatus } from '../../job-output.js';
import type { JobStatus } from '../../status.js';
import { describeCommand } from '../../job-spec.js';
import type { CancelledBy, Run } from '../../attempt-history.js';
import { formatTable } from './table.js';
import { loadSubmitterKey, specSigner } from '../../submitter-key.js';

interface JobArgs extends ConnectionArgs {
  job: string;
  json?: boolean;
}

const jobArg = (y: Argv) => withConnectionOptions(y).positional('job', { type: 'string', demandOption: true });

/** A time as the operator's clock shows it: "2026-12-01 04:12:07 +0000". */
export function localTime(iso: string | null | undefined): string | null {
  const t = iso ? new Date(iso) : null;
  if (!t || Number.isNaN(t.getTime())) return iso ?? null;
  const p = (n: number) => String(n).padStart(2, '0');
  const off = -t.getTimezoneOffset();
  const zone = `${off < 0 ? '-' : '+'}${p(Math.floor(Math.abs(off) / 60))}${p(Math.abs(off) % 60)}`;
  return `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())} ${p(t.getHours())}:${p(t.getMinutes())}:${p(t.getSeconds())} ${zone}`;
}

/** One line per attempt, like sacct's steps: node, start, end, how it ended, why it ran again. */
export function historyLines(runs: Run[]): string[] {
  const clock = (iso?: string) => (iso ? (localTime(iso) ?? iso).slice(11, 19) : '?');
  const rows = runs.map((r) => [`#${r.attempt}`, r.node, `${clock(r.startedAt)}-${r.endedAt ? clock(r.endedAt) : r.ended ? '?' : 'now'}`, r.ended ?? (r.endedAt ? '' : 'running'), r.rerun ? `re-run: ${r.rerun}` : '']);
  return formatTable(['ATTEMPT', 'NODE', 'START-END', 'ENDED', 'THEN'], rows).split('\n');
}

function cancelledByLine(c: CancelledBy | undefined): string | null {
  return c ? `${c.by}${c.zkUser ? ` (ZooKeeper user ${c.zkUser})` : ''} at ${localTime(c.at)}` : null;
}

export function describeJob(s: JobStatus): string[] {
  const r = s.result;
  const lines: [string, string | null | undefined][] = [
    ['Job', s.id],
    ['State', s.state],
    ['Name', s.spec?.name],
    ['Command', s.spec ? describeCommand(s.spec) : null],
    ['Node', s.node],
    ['Attempt', String(s.attempt)],
    ['Submitted', localTime(s.spec?.submittedAt)],
    ['Submitter', s.spec?.submitter],
    ['Started', localTime(r?.startedAt ?? s.claim?.since)],
    ['Finished', localTime(r?.finishedAt)],
    ['Exit', r ? (r.signal ?? (r.exitCode === null ? '-' : String(r.exitCode))) : null],
    ['Reason', r?.reason ?? s.reason],
    ['Cancelled', cancelledByLine(r?.cancelledBy)],
    ['Problem', s.problem],
  ];
  const shown = lines.filter(([, v]) => v !== null && v !== undefined && v !== '').map(([k, v]) => `${`${k}:`.padEnd(11)}${v}`);
  if (s.history.length > 0) shown.push('History:', ...historyLines(s.history).map((l) => `  ${l}`));
  return shown;
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

interface RequeueArgs extends JobArgs {
  key?: string;
}

export const requeueCommand: CommandModule<object, RequeueArgs> = {
  command: 'requeue <job>',
  describe: 'submit a finished job (succeeded, failed or cancelled) again, under a new id (printed)',
  builder: (y) => jobArg(y)
    .option('key', { type: 'string', default: process.env.ZKJOBS_KEY, describe: 'sign the new job with this private key (env ZKJOBS_KEY; default ~/.config/zkjobs/id_ed25519 when it exists): the old signature does not cover the new id' }) as unknown as Argv<RequeueArgs>,
  handler: async (args) => {
    const id = parseJobId(String(args.job));
    const key = loadSubmitterKey(args.key || undefined);
    const by = `${os.userInfo().username}@${os.hostname()}`;
    await withSession(args, async ({ zk, paths }) => out(formatJobId(await requeueJob(zk, paths, id, by, key ? specSigner(key) : undefined))));
  },
};
