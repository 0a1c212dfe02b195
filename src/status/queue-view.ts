// One queue as the status page shows it, read at a cost that does not grow
// with its depth: counts come from the bucket znodes' stats (numChildren),
// never from listing jobs; the head of the queue and its newest results come
// from one bucket listing each, kept while the bucket's cversion says it has
// not changed; specs and results are read once and kept (a result never
// changes, and a pending spec only changes its attempt count).
//
// Held jobs (zkjobq hold) are told from their buckets' names: counted
// apart, and never in the head, which shows what is next to start.
//
// Per refresh: 1 config read, 3 listings, one stat per bucket (100 for a
// 1,000,000-deep queue), plus at most HEAD spec reads, NEW_RESULTS result
// reads and RUNNING_SHOWN claim reads, and those only for jobs not seen before.
import { parsePendingBucket, type Paths } from '../zk/paths.js';
import { parseQueueConfig, DEFAULT_QUEUE_CONFIG, type QueueConfig } from '../queue.js';
import { formatJobId, parseSeq } from '../job-id.js';
import { describeCommand, parseJobSpec } from '../job-spec.js';
import { parseResult } from '../result.js';
import { parseClaimRecord } from '../claim.js';
import { BoundedCache, type CountedReads } from './counted-reads.js';
import type { FinishedJob, JobBrief, QueueSummary, RunningJob } from './snapshot.js';

/** Pending jobs shown per queue, oldest first. */
export const HEAD = 10;
/** Newest results looked at per queue, and how many of them may be read per refresh. */
export const RECENT_SCAN = 200;
export const NEW_RESULTS = 40;
/** Running jobs shown per queue. */
export const RUNNING_SHOWN = 100;
const STDERR_SHOWN = 2000;

interface Listing {
  cversion: number;
  names: string[];
}

export class QueueView {
  private readonly listings = new Map<string, Listing>();
  private readonly specs = new BoundedCache<JobBrief>(2_000);
  private readonly results = new BoundedCache<FinishedJob>(2_000);
  private readonly claims = new BoundedCache<{ node: string; since: string }>(2_000);

  constructor(readonly queue: string, private readonly paths: Paths) {}

  async read(r: CountedReads, nodeOf: Map<string, string>): Promise<{ summary: QueueSummary; running: RunningJob[]; finished: FinishedJob[] }> {
    const q = this.queue;
    const [config, pendingBuckets, resultBuckets, claimNames] = await Promise.all([
      this.config(r), r.children(this.paths.pending(q)), r.children(this.paths.results(q)), r.children(this.paths.claims(q)),
    ]);
    const [pendingStats, resultStats] = await Promise.all([
      this.bucketStats(r, pendingBuckets.sort(), (b) => this.paths.pendingBucket(q, b)),
      this.bucketStats(r, resultBuckets.sort(), (b) => this.paths.resultBucket(q, b)),
    ]);
    const claimed = new Set(claimNames);
    const held = pendingStats.filter((b) => b.held);
    const runnable = pendingStats.filter((b) => !b.held);
    const [head, finished, running] = await Promise.all([this.head(r, runnable, claimed), this.recent(r, resultStats), this.running(r, claimNames, nodeOf)]);
    const unfinished = runnable.reduce((n, b) => n + b.numChildren, 0);
    const oldest = head[0]?.createdAt;
    const summary: QueueSummary = {
      queue: q,
      paused: config.paused,
      maxRunning: config.maxRunning,
      pending: Math.max(0, unfinished - claimNames.length),
      held: held.reduce((n, b) => n + b.numChildren, 0),
      running: claimNames.length,
      finished: resultStats.reduce((n, b) => n + b.numChildren, 0),
      oldestPendingAge: oldest ? Math.max(0, Math.round((Date.now() - Date.parse(oldest)) / 1000)) : null,
      head,
    };
    return { summary, running, finished };
  }

  private async config(r: CountedReads): Promise<QueueConfig> {
    const node = await r.get(this.paths.queue(this.queue));
    try {
      return node && node.data.length > 0 ? parseQueueConfig(node.data) : DEFAULT_QUEUE_CONFIG;
    } catch {
      return DEFAULT_QUEUE_CONFIG;
    }
  }

  private async bucketStats(r: CountedReads, buckets: string[], path: (b: string) => string): Promise<{ path: string; numChildren: number; cversion: number; held: boolean }[]> {
    const stats = await Promise.all(buckets.map((b) => r.stat(path(b))));
    return buckets
      .map((b, i) => ({ path: path(b), numChildren: stats[i]?.numChildren ?? 0, cversion: stats[i]?.cversion ?? -1, held: parsePendingBucket(b)?.requirements.held === true }))
      .filter((b) => b.numChildren > 0);
  }

  /** A bucket's names in order, listed again only when its cversion moved. */
  private async listing(r: CountedReads, bucket: { path: string; cversion: number }): Promise<string[]> {
    const known = this.listings.get(bucket.path);
    if (known && known.cversion === bucket.cversion) return known.names;
    const names = (await r.children(bucket.path)).filter((n) => parseSeq(n) !== null).sort();
    this.listings.set(bucket.path, { cversion: bucket.cversion, names });
    return names;
  }

  /** The oldest unclaimed jobs, from the oldest buckets that have any. */
  private async head(r: CountedReads, buckets: { path: string; cversion: number }[], claimed: Set<string>): Promise<JobBrief[]> {
    // A job with requirements is in its class's bucket (`<first>~<class>`), listed after the plain one of its range.
    const seqs: { seq: number; path: string }[] = [];
    for (const bucket of buckets) {
      for (const name of await this.listing(r, bucket)) if (!claimed.has(name) && seqs.length < HEAD) seqs.push({ seq: parseSeq(name)!, path: `${bucket.path}/${name}` });
      if (seqs.length >= HEAD) break;
    }
    this.forgetListings(buckets.map((b) => b.path), this.paths.pending(this.queue));
    const briefs = await Promise.all(seqs.sort((a, b) => a.seq - b.seq).map(({ seq, path }) => this.spec(r, seq, path)));
    return briefs.filter((b): b is JobBrief => b !== null);
  }

  private async spec(r: CountedReads, seq: number, path = this.paths.pendingJob(this.queue, seq)): Promise<JobBrief | null> {
    const id = formatJobId({ queue: this.queue, seq });
    const known = this.specs.get(id);
    if (known) return known;
    const node = await r.get(path);
    if (!node) return null;
    let brief: JobBrief = { id, command: '', name: null, createdAt: node.stat.ctime.toISOString(), problem: null };
    try {
      const spec = parseJobSpec(node.data);
      brief = { ...brief, command: describeCommand(spec), name: spec.name ?? null };
    } catch (err) {
      brief.problem = (err as Error).message;
    }
    this.specs.set(id, brief);
    return brief;
  }

  /** The newest results, newest first; unread ones are read NEW_RESULTS at a time. */
  private async recent(r: CountedReads, buckets: { path: string; cversion: number }[]): Promise<FinishedJob[]> {
    const seqs: number[] = [];
    for (const bucket of [...buckets].reverse()) {
      const names = await this.listing(r, bucket);
      for (let i = names.length - 1; i >= 0 && seqs.length < RECENT_SCAN; i--) seqs.push(parseSeq(names[i])!);
      if (seqs.length >= RECENT_SCAN) break;
    }
    this.forgetListings(buckets.map((b) => b.path), this.paths.results(this.queue));
    const unread = seqs.filter((s) => !this.results.get(formatJobId({ queue: this.queue, seq: s }))).slice(0, NEW_RESULTS);
    await Promise.all(unread.map((seq) => this.result(r, seq)));
    return seqs.map((s) => this.results.get(formatJobId({ queue: this.queue, seq: s }))).filter((f): f is FinishedJob => f !== undefined);
  }

  private async result(r: CountedReads, seq: number): Promise<void> {
    const id = formatJobId({ queue: this.queue, seq });
    const node = await r.get(this.paths.result(this.queue, seq));
    if (!node) return;
    try {
      const res = parseResult(node.data);
      this.results.set(id, {
        id, state: res.state, exitCode: res.exitCode, signal: res.signal, reason: res.reason, node: res.node, attempt: res.attempt,
        startedAt: res.startedAt, finishedAt: res.finishedAt, command: res.spec ? describeCommand(res.spec) : '', name: res.spec?.name ?? null,
        stderrTail: res.stderrTail.slice(-STDERR_SHOWN),
      });
    } catch (err) {
      this.results.set(id, { id, state: 'failed', exitCode: null, signal: null, reason: `unreadable result: ${(err as Error).message}`, node: '?', attempt: 0, startedAt: null, finishedAt: node.stat.ctime.toISOString(), command: '', name: null, stderrTail: '' });
    }
  }

  /** Jobs with a claim: node and start from the claim record, read once per claim. */
  private async running(r: CountedReads, claimNames: string[], nodeOf: Map<string, string>): Promise<RunningJob[]> {
    const seqs = claimNames.map(parseSeq).filter((s): s is number => s !== null).sort((a, b) => a - b).slice(0, RUNNING_SHOWN);
    const jobs = await Promise.all(seqs.map(async (seq): Promise<RunningJob | null> => {
      const id = formatJobId({ queue: this.queue, seq });
      let claim = this.claims.get(id);
      if (!claim || (nodeOf.has(id) && nodeOf.get(id) !== claim.node)) {
        const node = await r.get(this.paths.claim(this.queue, seq));
        if (!node) return null;
        try {
          claim = parseClaimRecord(node.data);
        } catch {
          claim = { node: '?', since: node.stat.ctime.toISOString() };
        }
        this.claims.set(id, claim);
      }
      const brief = await this.spec(r, seq);
      return { id, node: claim.node, since: claim.since, command: brief?.command ?? '', name: brief?.name ?? null };
    }));
    return jobs.filter((j): j is RunningJob => j !== null);
  }

  /** Drop listings of buckets that are gone, so that the map cannot grow without bound. */
  private forgetListings(live: string[], parent: string): void {
    const keep = new Set(live);
    for (const path of this.listings.keys()) if (path.startsWith(`${parent}/`) && !keep.has(path)) this.listings.delete(path);
  }
}
