// Walk a queue's pending specs and results bucket by bucket: one bucket of
// each listed at a time (at most BUCKET_SIZE names, see bounded.ts), the
// records read with WINDOW requests in flight, so a 1,000,000-deep queue
// costs 100 small listings and a million pipelined reads, and memory holds
// one bucket. Pending and result buckets of the same range are walked
// together: a job with both is finished but not cleaned up. A range's
// pending jobs may be in several buckets, one per requirement class
// (`<first>~<class>`, placement.ts): each is a proper bucket when its class
// is written exactly as zkjobs writes classes.
import { bucketOf, parsePendingBucket, parseSeqInBucket } from '../zk/paths.js';
import { findPendingSpec } from '../pending-spec.js';
import { retry } from '../zk/retry.js';
import { pipelined } from '../pipeline.js';
import { parseJobSpec } from '../job-spec.js';
import { parseResult } from '../result.js';
import { classifyJobName, exactBucket, formatSeq } from './names.js';
import { listBounded, WINDOW, type Listing } from './bounded.js';
import { jobOf, rel, type QueueContext } from './context.js';
import type { Finding } from './finding.js';

/** Results carry output tails (up to 900 KB each): fewer in flight. */
const RESULT_WINDOW = 32;

type Area = 'pending' | 'results';

export async function walkJobs(ctx: QueueContext): Promise<void> {
  const [pending, results] = await Promise.all([bucketsOf(ctx, 'pending'), bucketsOf(ctx, 'results')]);
  // Class buckets go with the plain name of their range; other names are walked alone (and reported).
  const rangeOf = (name: string) => (parsePendingBucket(name) === null || !name.includes('~') ? name : name.slice(0, name.indexOf('~')));
  const names = [...new Set([...pending.map(rangeOf), ...results])].sort();
  for (const range of names) {
    // Which buckets of the range each job's spec was found in: normally one.
    const seen = new Map<number, string[]>();
    for (const bucket of pending.filter((b) => rangeOf(b) === range && b !== range).sort()) await walkBucket(ctx, bucket, true, false, seen, range);
    await walkBucket(ctx, range, pending.includes(range), results.includes(range), seen);
    for (const [seq, buckets] of seen) if (buckets.length > 1) ctx.findings.push(duplicate(ctx, seq, buckets));
  }
}

/**
 * One job in several buckets of its range: a hold or release made of
 * ordered steps cut short (hold.ts), or a copy by hand. It still runs at
 * most once (one claim per number), but which copy is meant is the
 * operator's call, so nothing is repaired: hold or release finishes a
 * move, and a copy that is no hold's twin is removed by hand.
 */
function duplicate(ctx: QueueContext, seq: number, buckets: string[]): Finding {
  const twins = buckets.length === 2 && buckets.some((b) => parsePendingBucket(b)?.requirements.held) && buckets.some((b) => !parsePendingBucket(b)?.requirements.held);
  const job = jobOf(ctx, seq);
  return {
    queue: ctx.queue, kind: 'spec-duplicate', znode: rel(ctx, ctx.paths.pendingIn(ctx.queue, buckets[0], seq)), job,
    problem: `the job's spec is in ${buckets.length} pending buckets (${buckets.join(', ')})${twins ? ': a hold or release cut short' : ''}; it runs at most once, from a bucket that is not held`,
    repair: twins ? `none: 'zkjobq hold ${job}' or 'zkjobq release ${job}' finishes the move` : `none: delete the copy that is not meant by hand (zkjobq hold refuses such a job)`,
    fix: null,
  };
}

async function bucketsOf(ctx: QueueContext, area: Area): Promise<string[]> {
  const parent = area === 'pending' ? ctx.paths.pending(ctx.queue) : ctx.paths.results(ctx.queue);
  const listing = await listBounded(ctx.zk, parent);
  if (listing.kind === 'ok') return listing.names;
  if (listing.kind === 'too-many') ctx.findings.push(tooMany(ctx, parent, listing.count));
  return [];
}

function bucketPath(ctx: QueueContext, area: Area, bucket: string): string {
  return area === 'pending' ? ctx.paths.pendingBucket(ctx.queue, bucket) : ctx.paths.resultBucket(ctx.queue, bucket);
}

/** `resultsOf`: the results bucket of a class bucket's range, whose results are checked with the plain bucket. */
async function walkBucket(ctx: QueueContext, bucket: string, inPending: boolean, inResults: boolean, seen: Map<number, string[]>, resultsOf?: string): Promise<void> {
  const none: Listing = { kind: 'absent' };
  const [pending, results] = await Promise.all([
    inPending ? listBounded(ctx.zk, bucketPath(ctx, 'pending', bucket)) : none,
    inResults ? listBounded(ctx.zk, bucketPath(ctx, 'results', bucket)) : resultsOf ? listBounded(ctx.zk, bucketPath(ctx, 'results', resultsOf)) : none,
  ]);
  // A class bucket's range's results are sorted (and reported) with the plain bucket; here they only pair with specs.
  const resultNames = results.kind === 'ok' ? results.names : [];
  const finished = new Set(
    results.kind !== 'ok' ? [] : resultsOf ? resultNames.map((n) => parseSeqInBucket(resultsOf, n)).filter((s): s is number => s !== null) : sortNames(ctx, 'results', bucket, resultNames),
  );
  const specs = pending.kind === 'ok' ? sortNames(ctx, 'pending', bucket, pending.names) : [];
  for (const seq of specs) seen.set(seq, [...(seen.get(seq) ?? []), bucket]);
  for (const [area, listing] of [['pending', pending], ['results', results]] as const) {
    if (listing.kind === 'too-many' && !(area === 'results' && resultsOf)) ctx.findings.push(tooMany(ctx, bucketPath(ctx, area, bucket), listing.count));
  }
  for await (const found of pipelined(specs, WINDOW, (seq) => examineSpec(ctx, bucket, seq, finished.has(seq)))) ctx.findings.push(...found);
  if (resultsOf) return; // its range's results are examined once, with the plain bucket
  for await (const found of pipelined([...finished], RESULT_WINDOW, (seq) => examineResult(ctx, seq))) ctx.findings.push(...found);
}

/**
 * Sort a bucket's names into findings (foreign names, aliases, misplaced
 * jobs) and the job numbers properly in place, which are returned to be
 * read. A bucket not named as zkjobs names them is itself a finding.
 */
function sortNames(ctx: QueueContext, area: Area, bucket: string, names: string[]): number[] {
  const parent = bucketPath(ctx, area, bucket);
  const proper = (area === 'pending' ? parsePendingBucket(bucket) : exactBucket(bucket)) !== null;
  const range = bucket.includes('~') ? bucket.slice(0, bucket.indexOf('~')) : bucket;
  const inPlace: number[] = [];
  let jobsInside = 0;
  for (const name of names) {
    const path = `${parent}/${name}`;
    const found = classifyJobName(name);
    if (found.kind === 'foreign') {
      ctx.findings.push(stray(ctx, 'bad-name', path, null, `${area} holds a znode zkjobs never writes`));
    } else if (found.kind === 'alias') {
      ctx.findings.push(stray(ctx, 'alias', path, found.seq, `an alias of job ${formatSeq(found.seq)}: not a name zkjobs writes, and never a job`));
    } else if (proper && bucketOf(found.seq) === range) {
      ctx.highest = Math.max(ctx.highest, found.seq);
      inPlace.push(found.seq);
    } else {
      ctx.highest = Math.max(ctx.highest, found.seq);
      jobsInside++;
      ctx.findings.push(misplaced(ctx, area, path, found.seq));
    }
  }
  if (!proper) ctx.findings.push(badBucket(ctx, parent, jobsInside));
  return inPlace;
}

function stray(ctx: QueueContext, kind: 'bad-name' | 'alias', path: string, seq: number | null, problem: string): Finding {
  return { queue: ctx.queue, kind, znode: rel(ctx, path), job: seq === null ? null : jobOf(ctx, seq), problem, repair: 'delete it (and anything under it)', fix: { op: 'delete-tree', path } };
}

function badBucket(ctx: QueueContext, path: string, jobsInside: number): Finding {
  const problem = 'a bucket not named as zkjobs names buckets (the padded number of its first job, a multiple of 10000)';
  if (jobsInside === 0) return { ...stray(ctx, 'bad-name', path, null, problem) };
  return { queue: ctx.queue, kind: 'bad-name', znode: rel(ctx, path), job: null, problem, repair: 'delete it once the jobs in it are in their buckets', fix: { op: 'delete-tree', path, onlyIfEmpty: true } };
}

/**
 * A ten-digit name outside its bucket is not at the path every reader
 * builds for that job, so it is nobody's job (parseSeqInBucket): daemons
 * never run it and list does not show it. Moving it into place would make
 * a job of a record zkjobs never wrote, and could run a job a second time
 * (one whose result was purged), so the repair deletes it and the report
 * says what it held.
 */
function misplaced(ctx: QueueContext, area: Area, path: string, seq: number): Finding {
  const what = area === 'pending' ? 'spec' : 'result';
  return {
    queue: ctx.queue, kind: 'misplaced', znode: rel(ctx, path), job: jobOf(ctx, seq),
    problem: `a job ${what} outside its bucket ${bucketOf(seq)}: not a job (zkjobs never writes there), never run or listed`,
    repair: `delete it${area === 'pending' ? ' (the change line shows its command: submit it again with zkjobc if it is wanted)' : ''}`,
    fix: { op: 'delete-tree', path, show: area === 'pending' },
  };
}

function tooMany(ctx: QueueContext, path: string, count: number): Finding {
  return {
    queue: ctx.queue, kind: 'too-many-children', znode: rel(ctx, path), job: null,
    problem: `${count} children: more than zkjobs ever puts there, too many to list in one reply; not checked`,
    repair: 'none: remove the extra znodes by hand (zkCli.sh deleteall)', fix: null,
  };
}

async function examineSpec(ctx: QueueContext, bucket: string, seq: number, hasResult: boolean): Promise<Finding[]> {
  const path = ctx.paths.pendingIn(ctx.queue, bucket, seq);
  const node = await retry(() => ctx.zk.getOrNull(path));
  if (!node) return [];
  const found: Finding[] = [];
  try {
    parseJobSpec(node.data);
  } catch (err) {
    found.push({
      queue: ctx.queue, kind: 'spec-unparseable', znode: rel(ctx, path), job: jobOf(ctx, seq),
      problem: `unreadable job spec: ${(err as Error).message}`,
      repair: 'none: the daemon that reaches it records it failed with this reason', fix: null,
    });
  }
  if (hasResult) found.push(pendingWithResult(ctx, seq, path));
  return found;
}

/** Left by a publish made of separate steps (an older zkjobs, or a writer that may not delete: cancel.ts); complete.ts now publishes in one multi. Rechecked after the settle time. */
export function pendingWithResult(ctx: QueueContext, seq: number, path: string): Finding {
  return {
    queue: ctx.queue, kind: 'result-with-pending-spec', znode: rel(ctx, path), job: jobOf(ctx, seq),
    problem: 'the job has a result but its spec is still pending (a crash between publishing and cleanup)',
    repair: 'delete the spec, as the next claimer would: the result stands',
    fix: { op: 'finish-cleanup', seq },
    transient: { recheck: () => recheckEnded(ctx, seq), seenAt: Date.now() },
  };
}

async function recheckEnded(ctx: QueueContext, seq: number): Promise<Finding[]> {
  const [spec, result] = await retry(() =>
    Promise.all([
      findPendingSpec(ctx.zk, ctx.paths, { queue: ctx.queue, seq }),
      ctx.zk.exists(ctx.paths.result(ctx.queue, seq)),
    ]),
  );
  return spec && result ? [pendingWithResult(ctx, seq, spec)] : [];
}

async function examineResult(ctx: QueueContext, seq: number): Promise<Finding[]> {
  const path = ctx.paths.result(ctx.queue, seq);
  const node = await retry(() => ctx.zk.getOrNull(path));
  if (!node) return [];
  try {
    parseResult(node.data);
    return [];
  } catch (err) {
    return [{
      queue: ctx.queue, kind: 'result-unparseable', znode: rel(ctx, path), job: jobOf(ctx, seq),
      problem: `unreadable result: ${(err as Error).message}`,
      repair: `none: a result decides even unread (it may be a newer zkjobs's); the job shows as failed with this reason. 'zkjobq rm ${jobOf(ctx, seq)}' removes it, then submit again if wanted`,
      fix: null,
    }];
  }
}
