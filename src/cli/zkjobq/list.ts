// zkjobq list [QUEUE…]: one row per job, like squeue. --state and --node
// filter; --parsable prints '|'-separated fields without padding or header
// (like sacct --parsable2); --format picks the columns. --limit matching
// jobs per queue, and --after JOB for the next page.
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions, withSession, out, type ConnectionArgs } from '../program.js';
import { listQueues, requireQueue } from '../../queue.js';
import { listJobs } from '../../job-list.js';
import type { JobStatus } from '../../status.js';
import { describeCommand } from '../../job-spec.js';
import { UsageError } from '../../errors.js';
import { checkName, checkQueueName, formatJobId, parseJobId } from '../../job-id.js';
import { formatTable } from './table.js';
import { readNodes, readSituation } from '../../queue-situation.js';
import { explainPending } from '../../pending-reason.js';

interface ListArgs extends ConnectionArgs {
  queues: string[];
  json: boolean;
  limit: number;
  state?: string;
  node?: string;
  parsable: boolean;
  format?: string;
  after?: string;
}

export const STATES = ['pending', 'running', 'succeeded', 'failed', 'cancelled', 'finished'] as const;

/** Seconds as "45s", "12m", "3h", "2d". */
export function shortAge(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}

/** Pending: age since submission; running: elapsed; finished: how long it ran. */
function timeColumn(s: JobStatus, now: number): string {
  const since = (iso: string | null | undefined) => (iso ? (now - Date.parse(iso)) / 1000 : null);
  let seconds: number | null = null;
  if (s.result) seconds = s.result.startedAt ? (Date.parse(s.result.finishedAt) - Date.parse(s.result.startedAt)) / 1000 : null;
  else if (s.state === 'running') seconds = since(s.claim?.since);
  else seconds = since(s.spec?.submittedAt);
  return seconds === null || Number.isNaN(seconds) ? '-' : shortAge(Math.max(0, seconds));
}

const COLUMNS: Record<string, (s: JobStatus, now: number) => string> = {
  JOB: (s) => s.id,
  STATE: (s) => s.state,
  NODE: (s) => s.node ?? '',
  TIME: timeColumn,
  ATTEMPT: (s) => String(s.attempt),
  REASON: (s) => s.reason ?? '',
  EXIT: (s) => (s.result ? (s.result.signal ?? (s.result.exitCode === null ? '-' : String(s.result.exitCode))) : ''),
  NAME: (s) => s.spec?.name ?? '',
  COMMAND: (s) => (s.spec ? describeCommand(s.spec) : s.problem ? `(${s.problem})` : ''),
};
const DEFAULT_FORMAT = 'JOB,STATE,NODE,TIME,ATTEMPT,REASON,COMMAND';

export function matchesState(s: JobStatus, state: string | undefined): boolean {
  if (!state) return true;
  if (state === 'finished') return s.result !== null;
  return s.state === state;
}

export const listCommand: CommandModule<object, ListArgs> = {
  command: 'list [queues..]',
  describe: 'list jobs with their state (all queues if none named)',
  builder: (y) => withConnectionOptions(y)
    .positional('queues', { type: 'string', array: true, default: [] })
    .option('state', { type: 'string', choices: STATES, describe: 'only jobs in this state' })
    .option('node', { type: 'string', describe: 'only jobs running on or run by this node' })
    .option('json', { type: 'boolean', default: false, describe: 'one JSON object per job' })
    .option('parsable', { type: 'boolean', default: false, describe: "fields separated by '|', no header, no padding" })
    .option('format', { type: 'string', describe: `columns, comma-separated, from ${Object.keys(COLUMNS).join(',')} (default ${DEFAULT_FORMAT})` })
    .option('limit', { type: 'number', default: 1000, describe: 'at most this many matching jobs per queue (0: no limit)' })
    .option('after', { type: 'string', describe: "only jobs after this one, of its queue: the next page after a listing's last JOB" }) as unknown as Argv<ListArgs>,
  handler: async (args) => {
    const columns = (args.format ?? DEFAULT_FORMAT).split(',').map((c) => c.trim().toUpperCase());
    const unknown = columns.find((c) => !COLUMNS[c]);
    if (unknown) throw new UsageError(`unknown column '${unknown}' in --format; use ${Object.keys(COLUMNS).join(',')}`);
    if (args.json && args.parsable) throw new UsageError('--json and --parsable cannot be combined');
    if (!Number.isInteger(args.limit) || args.limit < 0) throw new UsageError(`--limit must be a whole number (0: no limit), got '${args.limit}'`);
    const named = args.queues.map(String).map(checkQueueName);
    if (args.node !== undefined) checkName('node', args.node);
    const after = args.after === undefined ? undefined : parseJobId(String(args.after));
    if (after && named.some((q) => q !== after.queue)) throw new UsageError(`--after ${formatJobId(after)} pages through queue ${after.queue} only`);
    await withSession(args, async ({ zk, paths }) => {
      const queues = after ? [after.queue] : named.length > 0 ? named : await listQueues(zk, paths);
      const limit = args.limit > 0 ? args.limit : Number.MAX_SAFE_INTEGER;
      const wantFinished = !args.state || ['succeeded', 'failed', 'cancelled', 'finished'].includes(args.state);
      const wantUnfinished = !args.state || ['pending', 'running'].includes(args.state);
      const filter = (j: JobStatus) => matchesState(j, args.state) && (!args.node || j.node === args.node);
      const rows: JobStatus[] = [];
      const nodes = wantUnfinished ? await readNodes(zk, paths) : [];
      for (const queue of queues) {
        await requireQueue(zk, paths, queue);
        const jobs = await listJobs(zk, paths, queue, { unfinished: wantUnfinished, finished: wantFinished, limit, filter, after: after?.seq });
        // Jobs ahead are counted only from the head of the queue: a page after --after does not see them.
        if (jobs.some((j) => j.state === 'pending')) explainPending(jobs, await readSituation(zk, paths, queue, nodes), new Date(), after === undefined);
        rows.push(...jobs);
        // A hint, not data: on stderr, and only for people reading the table.
        if (jobs.length === limit && !args.json && !args.parsable) process.stderr.write(`zkjobq: ${queue}: stopped at --limit ${limit}; continue with --after ${jobs[jobs.length - 1].id}\n`);
      }
      const now = Date.now();
      if (args.json) return rows.forEach((r) => out(JSON.stringify(r)));
      const cells = rows.map((r) => columns.map((c) => COLUMNS[c](r, now)));
      if (args.parsable) return cells.forEach((c) => out(c.join('|')));
      out(formatTable(columns, cells));
    });
  },
};
