// Claim: take the oldest unclaimed job of a queue by creating its ephemeral
// claim znode. Order and crash points:
//  1. (read) the spec still exists and nobody's claim is listed: a cheap
//     filter so that finished jobs cost no failed write (skipped right
//     after listing the bucket, when the listing is the check);
//  2. create claims/<seq> ephemeral: the lock. NodeExists: a peer has it.
//     Our crash or lost session deletes it, and a peer re-runs the job;
//  3. read the spec again: if it is gone, a peer finished the job between our
//     listing and our claim ("claim after completion"): drop the claim;
//  4. if a result exists, a claimer crashed between publishing and cleanup:
//     finish its cleanup, never run the job again;
//  5. bump the spec's version: the attempt number, kept in ZooKeeper so that
//     a re-run after a crash is visible as attempt 2.
// Only then is the job run.
//
// Scale: only the head bucket is listed (at most BUCKET_SIZE names), and its
// listing is cached and walked until used up, so the cost of a claim does not
// grow with queue depth. Claimers race over the first few candidates at
// random (as many as there are live nodes) instead of all creating the same
// claim, which would cost N-1 failing writes through the leader.
import { NodeExistsError, NoNodeError } from './zk/errors.js';
import type { Paths } from './zk/paths.js';
import type { ZkClient } from './zk/client.js';
import { withRetry } from './zk/retry.js';
import { formatSeq, parseSeq, type JobId } from './job-id.js';
import { parseJobSpec, type JobSpec } from './job-spec.js';
import { finishCleanup } from './complete.js';
import { decodeJsonObject, encodeJson, stringField } from './record.js';

export interface ClaimRecord {
  node: string;
  since: string;
}

export interface ClaimedJob {
  id: JobId;
  attempt: number;
  /** The parsed spec, or why it could not be parsed (the job then fails). */
  spec: JobSpec | null;
  /** The spec znode's bytes, rewritten as they are to count a retry's attempt. */
  specData: Buffer;
  specError: string | null;
}

export function parseClaimRecord(data: Buffer): ClaimRecord {
  const fields = decodeJsonObject(data, 'claim record', 64 * 1024);
  return { node: stringField(fields, 'node', 'claim record'), since: stringField(fields, 'since', 'claim record') };
}

/** skipped: a peer holds it; gone: it has ended (others are ahead of our cached listing). */
type Attempt = { kind: 'claimed'; job: ClaimedJob } | { kind: 'skipped' } | { kind: 'gone'; seq: number };

/** Counters of claim attempts: what the benchmark reads to judge the race over the head. */
export interface ClaimStats {
  /** Claim znodes we tried to create. */
  attempts: number;
  /** Of those, created (the job was ours). */
  won: number;
  /** Of those, already held by a peer (a failed write). */
  lost: number;
}

export class QueueClaimer {
  /** Sequence numbers of the head bucket, oldest first, not yet tried by us. */
  private head: number[] = [];
  readonly stats: ClaimStats = { attempts: 0, won: 0, lost: 0 };

  constructor(
    private readonly zk: ZkClient,
    private readonly paths: Paths,
    readonly queue: string,
    private readonly nodeId: string,
    /** How many claimers may be racing: the spread of the random pick. */
    private readonly racers: () => number,
  ) {}

  /** Forget the cached listing (after a new session, or when told of changes). */
  reset(): void {
    this.head = [];
  }

  /** Claim the oldest available job, or return null when there is none. */
  async claimNext(): Promise<ClaimedJob | null> {
    return (await this.claimSome(1))[0] ?? null;
  }

  /**
   * Claim up to `wanted` of the oldest available jobs, racing for them in
   * parallel (a daemon with several free slots is several claimers).
   */
  async claimSome(wanted: number): Promise<ClaimedJob[]> {
    const won: ClaimedJob[] = [];
    let refilled = false;
    while (won.length < wanted) {
      const claimed = new Set(await withRetry(() => this.zk.childrenOrEmpty(this.paths.claims(this.queue))));
      const picks = this.pick(claimed, wanted - won.length);
      if (picks.length === 0) {
        if (refilled) break;
        await this.refill();
        refilled = true;
        continue;
      }
      // Just listed: the specs were there a moment ago, skip the pre-check.
      const attempts = await Promise.all(picks.map((seq) => this.tryClaim(seq, !refilled)));
      for (const a of attempts) if (a.kind === 'claimed') won.push(a.job);
      this.dropEndedHead(attempts);
    }
    return won;
  }

  /**
   * Pick `count` candidates at random among the first count × racers
   * unclaimed ones (oldest first), so that racing daemons spread over the
   * head instead of all creating the same claim; drop them from the cache.
   */
  private pick(claimed: Set<string>, count: number): number[] {
    const spread = count * Math.max(1, this.racers());
    const candidates: number[] = [];
    for (const seq of this.head) {
      if (!claimed.has(formatSeq(seq))) candidates.push(seq);
      if (candidates.length >= spread) break;
    }
    while (candidates.length > count) candidates.splice(Math.floor(Math.random() * candidates.length), 1);
    const chosen = new Set(candidates);
    this.head = this.head.filter((seq) => !chosen.has(seq));
    return candidates;
  }

  /**
   * A job that has ended means peers have worked past that point of our
   * cached listing: the jobs before it have almost surely ended too. Drop
   * them rather than checking each (one read apiece, which grows with the
   * number of peers); any still pending reappear at the next listing.
   */
  private dropEndedHead(attempts: Attempt[]): void {
    const ended = attempts.filter((a): a is { kind: 'gone'; seq: number } => a.kind === 'gone').map((a) => a.seq);
    if (ended.length === 0) return;
    const past = Math.max(...ended);
    this.head = this.head.filter((seq) => seq > past);
  }

  /** List buckets oldest first and cache the first one that has jobs. */
  private async refill(): Promise<void> {
    const buckets = (await withRetry(() => this.zk.childrenOrEmpty(this.paths.pending(this.queue)))).sort();
    for (const bucket of buckets) {
      const names = await withRetry(() => this.zk.childrenOrEmpty(this.paths.pendingBucket(this.queue, bucket)));
      const seqs = names.map(parseSeq).filter((s): s is number => s !== null).sort((a, b) => a - b);
      if (seqs.length > 0) {
        this.head = seqs;
        return;
      }
    }
    this.head = [];
  }

  private async tryClaim(seq: number, precheck: boolean): Promise<Attempt> {
    const id = { queue: this.queue, seq };
    const specPath = this.paths.pendingJob(this.queue, seq);
    if (precheck && !(await withRetry(() => this.zk.exists(specPath)))) return { kind: 'gone', seq };
    if (!(await this.createClaim(id))) return { kind: 'skipped' };
    // Both reads go out together; the server answers them in order.
    const [spec, result] = await Promise.all([
      withRetry(() => this.zk.getOrNull(specPath)),
      withRetry(() => this.zk.exists(this.paths.result(this.queue, seq))),
    ]);
    if (!spec) {
      await this.release(id);
      return { kind: 'gone', seq };
    }
    if (result) {
      await finishCleanup(this.zk, this.paths, id);
      return { kind: 'skipped' };
    }
    const attempt = await this.bumpAttempt(specPath, spec.data);
    if (attempt === null) return this.release(id);
    return { kind: 'claimed', job: { id, attempt, specData: spec.data, ...parseOrReason(spec.data) } };
  }

  private async createClaim(id: JobId): Promise<boolean> {
    const record: ClaimRecord = { node: this.nodeId, since: new Date().toISOString() };
    const path = this.paths.claim(id.queue, id.seq);
    this.stats.attempts++;
    try {
      await withRetry(() => this.zk.create(path, encodeJson(record), 'ephemeral'));
      this.stats.won++;
      return true;
    } catch (err) {
      if (!(err instanceof NodeExistsError)) throw err;
      this.stats.lost++;
      // After a lost connection our own create may have gone through.
      const stat = await withRetry(() => this.zk.exists(path));
      return stat !== null && stat.ephemeralOwner === this.zk.sessionId;
    }
  }

  private bumpAttempt(specPath: string, data: Buffer): Promise<number | null> {
    return bumpAttempt(this.zk, specPath, data);
  }

  private async release(id: JobId): Promise<Attempt> {
    await withRetry(() => this.zk.deleteIfExists(this.paths.claim(id.queue, id.seq)));
    return { kind: 'skipped' };
  }
}

function parseOrReason(data: Buffer): { spec: JobSpec | null; specError: string | null } {
  try {
    return { spec: parseJobSpec(data), specError: null };
  } catch (err) {
    return { spec: null, specError: (err as Error).message };
  }
}

/** The spec's data version counts the attempts that got this far; null when the job is gone. */
export async function bumpAttempt(zk: ZkClient, specPath: string, data: Buffer): Promise<number | null> {
  try {
    return (await withRetry(() => zk.set(specPath, data))).version;
  } catch (err) {
    if (err instanceof NoNodeError) return null;
    throw err;
  }
}
