// Listing a queue's jobs for operators, in job order. It walks the buckets
// one at a time, so no single reply grows with the queue; finished and
// unfinished jobs are merged in sequence order, the filter is applied as it
// goes, and it stops after `limit` matching jobs, so that a deep queue is
// read a page at a time (`after` starts the next page). The jobs of a page
// are read side by side, in order: as many reads in flight as jobs are
// still wanted (at most READ_AHEAD), so a page of ten is one round trip,
// not ten, and no job past the page is read unless the filter drops some.
import { BUCKET_SIZE, parseBucket, parsePendingBucket, parseSeqInBucket, type Paths } from './zk/paths.js';
import type { ZkClient } from './zk/client.js';
import { retry } from './zk/retry.js';
import { formatSeq, type JobId } from './job-id.js';
import { finishedStatus, unfinishedStatus, type JobStatus } from './status.js';

export interface ListOptions {
  /** Include unfinished (pending and running) jobs. */
  unfinished: boolean;
  /** Include finished jobs. */
  finished: boolean;
  /** At most this many (matching) jobs per queue. */
  limit: number;
  /** Only jobs numbered above this one. */
  after?: number;
  /** Only jobs for which this holds. */
  filter?: (job: JobStatus) => boolean;
}

type Entry = { seq: number; finished: boolean; job?: ListedJob };

/** A job found by walking buckets, with the bucket it was found in (for a pending job, that of its class). */
export interface ListedJob extends JobId {
  bucket: string;
}

/** Reads of a page's jobs in flight at once, at most. */
const READ_AHEAD = 32;

export async function listJobs(zk: ZkClient, paths: Paths, queue: string, options: ListOptions): Promise<JobStatus[]> {
  const after = options.after ?? 0;
  const finished = options.finished ? walkBuckets(zk, paths.results(queue), (b) => paths.resultBucket(queue, b), queue, after) : undefined;
  const pending = options.unfinished ? walkBuckets(zk, paths.pending(queue), (b) => paths.pendingBucket(queue, b), queue, after, true) : undefined;
  const entries = mergeInOrder(finished, pending);
  // claims/ is listed while the first buckets are.
  const [claimNames, first] = await Promise.all([options.unfinished ? retry(() => zk.childrenOrEmpty(paths.claims(queue))) : [], entries.next()]);
  const claims = new Set(claimNames);
  const statusOf = (entry: Entry) => (entry.finished ? finishedJob(zk, paths, { queue, seq: entry.seq }) : unfinishedJob(zk, paths, entry.job!, claims));
  const rows: JobStatus[] = [];
  const reading: Promise<JobStatus | null>[] = [];
  let next = first;
  while (rows.length < options.limit) {
    while (!next.done && reading.length < Math.min(READ_AHEAD, options.limit - rows.length)) {
      const read = statusOf(next.value);
      read.catch(() => undefined); // a read past the page may fail unawaited
      reading.push(read);
      next = await entries.next();
    }
    const read = reading.shift();
    if (!read) break;
    const status = await read;
    if (status && (!options.filter || options.filter(status))) rows.push(status);
  }
  return rows;
}

async function finishedJob(zk: ZkClient, paths: Paths, id: JobId): Promise<JobStatus | null> {
  const node = await retry(() => zk.getOrNull(paths.result(id.queue, id.seq)));
  return node ? finishedStatus(id, node.data) : null;
}

function unfinishedJob(zk: ZkClient, paths: Paths, id: ListedJob, claims: Set<string>): Promise<JobStatus | null> {
  return retry(async () => {
    const spec = await zk.getOrNull(paths.pendingIn(id.queue, id.bucket, id.seq));
    if (!spec) return null;
    const claim = claims.has(formatSeq(id.seq)) ? await zk.getOrNull(paths.claim(id.queue, id.seq)) : null;
    return unfinishedStatus(id, spec.data, spec.stat.version, spec.stat.ctime, claim, new Date(), parsePendingBucket(id.bucket)?.requirements.held === true);
  });
}

/** Two ascending walks as one, finished first on a tie (a crash left both: the result is what counts). */
async function* mergeInOrder(finished?: AsyncGenerator<ListedJob>, pending?: AsyncGenerator<ListedJob>): AsyncGenerator<Entry> {
  // The two walks' first listings side by side.
  let [f, p] = await Promise.all([finished?.next(), pending?.next()]);
  for (;;) {
    const fSeq = f && !f.done ? f.value.seq : Infinity;
    const pSeq = p && !p.done ? p.value.seq : Infinity;
    if (fSeq === Infinity && pSeq === Infinity) return;
    if (fSeq <= pSeq) {
      yield { seq: fSeq, finished: true };
      if (pSeq === fSeq) p = await pending!.next();
      f = await finished!.next();
    } else {
      yield { seq: pSeq, finished: false, job: p!.value as ListedJob };
      p = await pending!.next();
    }
  }
}

/**
 * Job ids under a bucketed parent above `after`, oldest first, one range of
 * BUCKET_SIZE numbers listed at a time. With `classes` (pending/), the
 * buckets of each requirement class of a range (placement.ts) are merged
 * with the plain one, so that jobs still come in number order.
 */
export async function* walkBuckets(zk: ZkClient, parent: string, bucketPath: (b: string) => string, queue: string, after = 0, classes = false): AsyncGenerator<ListedJob> {
  const ranges = new Map<number, string[]>();
  for (const bucket of await retry(() => zk.childrenOrEmpty(parent))) {
    // Only names zkjobs writes: an alias or a number in the wrong bucket is nobody's job (listed once, or not at all).
    const first = classes ? parsePendingBucket(bucket)?.first ?? null : parseBucket(bucket);
    // A bucket holds BUCKET_SIZE numbers from its name on: skip those wholly at or below `after`.
    if (first === null || first + BUCKET_SIZE - 1 <= after) continue;
    ranges.set(first, [...(ranges.get(first) ?? []), bucket]);
  }
  for (const first of [...ranges.keys()].sort((a, b) => a - b)) {
    const jobs: ListedJob[] = [];
    for (const bucket of ranges.get(first)!.sort()) {
      const names = await retry(() => zk.childrenOrEmpty(bucketPath(bucket)));
      for (const name of names) {
        const seq = parseSeqInBucket(bucket, name);
        if (seq !== null && seq > after) jobs.push({ queue, seq, bucket });
      }
    }
    yield* jobs.sort((a, b) => a.seq - b.seq);
  }
}
