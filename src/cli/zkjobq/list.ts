// zkjobq list [QUEUE…]: one row per job, like squeue. --state and --node
// filter; --parsable prints '|'-separated fields without padding or header
// (like sacct --parsable2); --format picks the columns (job-columns.ts).
// --limit matching jobs per queue, and --after JOB for the next page.
// --watch [SECONDS] redraws it, like squeue -i, until Ctrl-C or until
// whoever reads stdout goes away.
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions, withSession, out, type ConnectionArgs, type Session } from '../program.js';
import { listQueues, requireQueue } from '../../queue.js';
import { listJobs } from '../../job-list.js';
import type { JobStatus } from '../../status.js';
import { UsageError } from '../../errors.js';
import { checkName, checkQueueName, formatJobId, parseJobId, type JobId } from '../../job-id.js';
import { COLUMNS, DEFAULT_FORMAT, colourState, useColour } from './job-columns.js';
import { formatTable } from './table.js';
import { readNodes, readSituation } from '../../queue-situation.js';
import { explainPending } from '../../pending-reason.js';
import { writeStderr, writeStdout } from '../stdio.js';

interface ListArgs extends ConnectionArgs {
  queues: string[];
  json: boolean;
  limit: number;
  state?: string;
  node?: string;
  parsable: boolean;
  format?: string;
  after?: string;
  watch?: string;
}

export const STATES = ['pending', 'held', 'running', 'succeeded', 'failed', 'cancelled', 'finished'] as const;

/** Seconds as "45s", "12m", "3h", "2d". */
export function shortAge(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}

export function matchesState(s: JobStatus, state: string | undefined): boolean {
  if (!state) return true;
  if (state === 'finished') return s.result !== null;
  // Held jobs are pending jobs (the REASON says held), as Slurm shows them: --state held picks them out.
  if (state === 'held') return s.held;
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
    .option('after', { type: 'string', describe: "only jobs after this one, of its queue: the next page after a listing's last JOB" })
    .option('watch', { type: 'string', describe: 'redraw every SECONDS (default 2) until interrupted, like squeue -i' }) as unknown as Argv<ListArgs>,
  handler: async (args) => {
    const columns = (args.format ?? DEFAULT_FORMAT).split(',').map((c) => c.trim().toUpperCase());
    const unknown = columns.find((c) => !COLUMNS[c]);
    if (unknown) throw new UsageError(`unknown column '${unknown}' in --format; use ${Object.keys(COLUMNS).join(',')}`);
    if (args.json && args.parsable) throw new UsageError('--json and --parsable cannot be combined');
    if (!Number.isInteger(args.limit) || args.limit < 0) throw new UsageError(`--limit must be a whole number (0: no limit), got '${args.limit}'`);
    const named = args.queues.map(String);
    const everyMs = watchInterval(args.watch, named);
    named.forEach(checkQueueName);
    if (args.node !== undefined) checkName('node', args.node);
    const after = args.after === undefined ? undefined : parseJobId(String(args.after));
    if (after && named.some((q) => q !== after.queue)) throw new UsageError(`--after ${formatJobId(after)} pages through queue ${after.queue} only`);
    await withSession(args, async (session) => {
      const draw = async () => render(args, columns, await gather(session, args, named, after));
      if (everyMs === null) {
        const text = await draw();
        if (text !== '') out(text);
        return;
      }
      await watch(draw, everyMs);
    });
  },
};

/** --watch's SECONDS, or null without --watch. A queue name right after a bare --watch is a queue, not a bad number. */
function watchInterval(value: string | undefined, queues: string[]): number | null {
  if (value === undefined) return null;
  if (value === '') return 2_000;
  if (!/^\d+(\.\d+)?$/.test(value)) {
    queues.unshift(value);
    return 2_000;
  }
  const seconds = Number(value);
  if (seconds < 0.5) throw new UsageError(`--watch takes SECONDS of at least 0.5, got '${value}'`);
  return seconds * 1000;
}

async function gather({ zk, paths }: Session, args: ListArgs, named: string[], after: JobId | undefined): Promise<JobStatus[]> {
  const queues = after ? [after.queue] : named.length > 0 ? named : await listQueues(zk, paths);
  const limit = args.limit > 0 ? args.limit : Number.MAX_SAFE_INTEGER;
  const wantFinished = !args.state || ['succeeded', 'failed', 'cancelled', 'finished'].includes(args.state);
  const wantUnfinished = !args.state || ['pending', 'held', 'running'].includes(args.state);
  const filter = (j: JobStatus) => matchesState(j, args.state) && (!args.node || j.node === args.node);
  const rows: JobStatus[] = [];
  // Read beside the listing, and waited for only to explain a pending job.
  const nodes = wantUnfinished ? readNodes(zk, paths) : Promise.resolve([]);
  nodes.catch(() => undefined);
  for (const queue of queues) {
    // The listing starts with the queue's check; the check's answer comes first (no such queue).
    const listing = listJobs(zk, paths, queue, { unfinished: wantUnfinished, finished: wantFinished, limit, filter, after: after?.seq });
    listing.catch(() => undefined);
    await requireQueue(zk, paths, queue);
    const jobs = await listing;
    // Jobs ahead are counted only from the head of the queue: a page after --after does not see them.
    if (jobs.some((j) => j.state === 'pending')) explainPending(jobs, await readSituation(zk, paths, queue, await nodes), new Date(), after === undefined);
    rows.push(...jobs);
    // A hint, not data: on stderr, and only for people reading the table.
    if (jobs.length === limit && !args.json && !args.parsable) writeStderr(`zkjobq: ${queue}: stopped at --limit ${limit}; continue with --after ${jobs[jobs.length - 1].id}\n`);
  }
  return rows;
}

function render(args: ListArgs, columns: string[], rows: JobStatus[]): string {
  const now = Date.now();
  if (args.json) return rows.map((r) => JSON.stringify(r)).join('\n');
  const cells = rows.map((r) => columns.map((c) => COLUMNS[c](r, now)));
  if (args.parsable) return cells.map((c) => c.join('|')).join('\n');
  const state = columns.indexOf('STATE');
  return formatTable(columns, cells, useColour() && state >= 0 ? (i, padded) => (i === state ? colourState(padded) : padded) : undefined);
}

/**
 * Redraw until Ctrl-C (exit 0) or until stdout's reader is gone (EPIPE,
 * exit 0): on a terminal the screen is cleared first, as watch(1) does;
 * elsewhere each listing follows the last under a line with the time.
 */
async function watch(draw: () => Promise<string>, everyMs: number): Promise<void> {
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  let done = false;
  const end = () => ((done = true), stop());
  process.once('SIGINT', end);
  process.once('SIGTERM', end);
  process.stdout.on('error', end); // EPIPE: the reader went away
  const tty = process.stdout.isTTY === true;
  while (!done) {
    const table = await draw();
    const title = `Every ${everyMs / 1000}s: zkjobq list    ${new Date().toString().slice(0, 24)}`;
    writeStdout(tty ? `\x1b[H\x1b[2J${title}\n\n${table}\n` : `${title}\n${table}\n\n`);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([stopped, new Promise((r) => (timer = setTimeout(r, everyMs)))]);
    clearTimeout(timer);
  }
}
