// Claim: take the oldest unclaimed job of a queue by creating its ephemeral
// claim znode. Order and crash points:
//  1. read the spec: its bytes and version, which the bump (3) rewrites. Gone:
//     the job has ended, and no write is spent on it ("claim after
//     completion": a peer finished it between our listing and now);
//  2. create claims/<seq> ephemeral: the lock. NodeExists: a peer has it,
//     or our own session does for another run: neither is a win. The claim
//     carries a token, so a create whose reply was lost is recognised as
//     ours (zk/ephemeral.ts). Our crash or lost session deletes it, and a
//     peer re-runs the job;
//  3. set the spec at the version read in 1: the attempt number, kept in
//     ZooKeeper so that a re-run after a crash is visible as attempt 2; the
//     same set records the attempt in the spec's history (attempt-record.ts).
//     2 and 3 are ONE multi (zk/multi.ts): both or neither. A spec changed
//     since 1 (BadVersion: a peer's attempt) or gone (NoNode: the job ended
//     between 1 and now) fails the claim too, so no claim is ever made on a
//     finished job, and the spec's version is a fence: whoever claims the job
//     moves it, and a publish by an earlier claimer, which deletes the spec
//     at its own attempt's version, then applies nothing (complete.ts);
//  4. if a result exists, a claimer crashed between publishing and cleanup
//     (an older zkjobs, or a writer that may not delete): finish its cleanup,
//     never run the job again. This read goes out right behind the multi:
//     the server applies one session's requests in order, so it sees the
//     state after our claim exists, in the same round trip.
// Per job that is one read (1: the bump needs the spec's bytes), one write
// (2+3: exclusivity, invariants 2 and 4, and the attempt count that retries
// and re-runs rely on) and one read in the same round trip (4: the "crash
// between result and cleanup" trap). When peers race (more than one live
// node), each claiming call also lists claims/ once (again after a lost
// create), so that claimers skip what a peer holds instead of spending
// failed writes on it. Alone, a node lists claims/ only after a lost
// create, after a new listing of the head that found a job it does not
// hold itself, and every 5 s, to sweep and report claims no job has. Jobs
// whose claim this node holds (told by the daemon's job table) are passed
// over: their specs stay listed until the result is out.
// Only then is the job run. Steps 1-4 run as one operation under the retry
// policy (1 and 4 only read; a multi whose reply was lost is recognised as
// ours by the claim's token, and then the spec read in 1 is the one our
// multi wrote). Every request goes to the session that began the attempt
// (zk/session-bound.ts): if it expires and the client renews it while a
// retry backs off, a claim made under the old one died with it, and going
// on would run a job we do not hold while a peer may run it too. The
// attempt is then given up, and nothing was made under the new session.
//
// Hostile names: only exactly the names zkjobs writes count (job-id.ts,
// zk/paths.ts): `1` or `01` beside `0000000001`, or a number filed under
// another bucket, is never a job, and a claim no session holds is deleted
// (stray-claims.ts). Each is reported as a finding.
//
// Scale: only the head bucket is listed (at most BUCKET_SIZE names), and its
// listing is cached and walked until used up, so the cost of a claim does not
// grow with queue depth.
//
// Placement (docs/placement.md): a job with requirements is in the bucket of
// its class, `<first>~<class>`. Only the buckets of classes this node is
// eligible for are listed, those of the lowest range that has any, merged by
// job number: FIFO among eligible jobs, and ineligible jobs cost nothing,
// however many. An eligible job that does not fit the room left now (slots,
// memory) is waited for, not passed: later jobs do not starve it. After the
// claim, the spec's own requirements must match its bucket's class; a spec
// filed under the wrong class (by hand, or hostile) fails with the reason
// // rather than running on a node it did not ask for.
//
// Racing: claimers pick among the first few candidates (as many as there
// are live nodes per job wanted), each taking first its own share of them
// (job number modulo the live nodes = its rank by name), then others at
// random, instead of all creating the same claim, which would cost N-1
// failing writes through the leader.
import { BadVersionError, NodeExistsError, NoNodeError, ZkError } from './zk/errors.js';
import { parsePendingBucket, parseSeqInBucket, type Paths } from './zk/paths.js';
import { eligible, encodeClass, type NodeOffer, type Requirements } from './placement.js';
import type { Stat, ZkClient } from './zk/client.js';
import { retry } from './zk/retry.js';
import { ownsWithData, protectionToken } from './zk/ephemeral.js';
import { SessionChangedError } from './zk/session-bound.js';
import { lockAclFor } from './fleet-access.js';
import { formatSeq, parseSeq, type JobId } from './job-id.js';
import { IGNORE_FINDINGS, type FindingSink } from './finding.js';
import { StrayClaims } from './stray-claims.js';
import { parseResult } from './result.js';
import { parseJobSpec, requirementsOf, type JobSpec } from './job-spec.js';
import { finishCleanupOnce } from './complete.js';
import { specForAttempt } from './attempt-record.js';
import { decodeJsonObject, encodeJson, optionalString, stringField } from './record.js';

export interface ClaimRecord {
  node: string;
  since: string;
  /** Unique to the create that wrote it: how a retried create knows its own claim. */
  token?: string;
  /** While a failed attempt waits to run again (daemon/job-table.ts): until when, ISO. */
  retryAt?: string;
  /** How that attempt ended ("exit 1", "signal KILL", "timeout"), for the pending reason. */
  lastExit?: string;
  /**
   * Claimed ahead of need, while the node's slots were busy (daemon/claimed-ahead.ts):
   * nothing runs until the node record lists the job as running.
   */
  ahead?: boolean;
}

/** A fresh claim record for `node`: unique, so that createEphemeralOnce can tell it apart. */
export function newClaimRecord(node: string, ahead = false): Buffer {
  return encodeJson({ node, since: new Date().toISOString(), token: protectionToken(), ...(ahead ? { ahead: true } : {}) } satisfies ClaimRecord);
}

export interface ClaimedJob {
  id: JobId;
  attempt: number;
  /** The parsed spec, or why it could not be parsed (the job then fails). */
  spec: JobSpec | null;
  /** The spec znode's bytes, rewritten as they are to count a retry's attempt. */
  specData: Buffer;
  specError: string | null;
  /** Where the spec is (the bucket of its class): what the cleanup deletes. */
  specPath: string;
  /** What its bucket's class asks of the node: what the job takes while it runs. */
  requirements: Requirements;
  /** The session that created the claim: the only one that may publish for it. */
  session: string;
}

/** Free capacity of the node for new jobs: slots, and bytes of memory not yet asked for. */
export interface Room {
  slots: number;
  mem: number;
}

const UNLIMITED: Room = { slots: Infinity, mem: Infinity };

function fits(r: Requirements, room: Room): boolean {
  return r.cpus <= room.slots && r.mem <= room.mem;
}

/** A job of the cached head: its number, and the bucket (class) it was listed in. */
interface HeadEntry {
  seq: number;
  bucket: string;
  requirements: Requirements;
}

export function parseClaimRecord(data: Buffer): ClaimRecord {
  const what = 'claim record';
  const fields = decodeJsonObject(data, what, 64 * 1024);
  const record: ClaimRecord = { node: stringField(fields, 'node', what), since: stringField(fields, 'since', what) };
  const retryAt = optionalString(fields, 'retryAt', what);
  const lastExit = optionalString(fields, 'lastExit', what);
  if (retryAt !== undefined) record.retryAt = retryAt;
  if (lastExit !== undefined) record.lastExit = lastExit.slice(0, 200);
  if (fields.ahead === true) record.ahead = true;
  return record;
}

/**
 * Alone, a node lists claims/ after each new listing of the head that
 * found a job it does not hold, after a lost create, and otherwise at most
 * this often:
 * claims under names no job has (stray or hostile) are then swept and
 * reported even when nothing collides with them, for a read per refill
 * or interval, not per job of a deep queue.
 */
const LONE_LISTING_MS = 5_000;

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
  /** The eligible jobs of the head range, oldest first, not yet tried by us. */
  private head: HeadEntry[] = [];
  readonly stats: ClaimStats = { attempts: 0, won: 0, lost: 0 };
  /** A create lost since the claims were last listed: list (and sweep) before the next pick. */
  private lostSinceListing = false;
  /** When claims/ was last listed (performance.now()): alone, a node still lists it now and then (LONE_LISTING_MS). */
  private listedAt = -Infinity;
  /**
   * The jobs whose claim create we lost since the last listing. A pick drops
   * its entries from the head, so without these the stray sweep would never
   * see the job a persistent claim blocks: alone, we would pick it, lose,
   * list without it, refill and pick it again for ever.
   */
  private lostSeqs = new Set<number>();
  private readonly strays: StrayClaims;

  constructor(
    private readonly zk: ZkClient,
    private readonly paths: Paths,
    readonly queue: string,
    private readonly nodeId: string,
    /** How many claimers may be racing: the spread of the random pick. */
    private readonly racers: () => number,
    /** Told of every name or node found that zkjobs did not write. */
    private readonly report: FindingSink = IGNORE_FINDINGS,
    /** What this node offers: only the classes it is eligible for are listed. Default: no tags, any size. */
    private readonly offer: () => NodeOffer = () => ({ tags: [], slots: Infinity, memTotal: Infinity }),
    /** This node's place among the racers (0 to racers - 1): which jobs of a pick's window it takes first. */
    private readonly rank: () => number = () => 0,
    /**
     * True for a job of this queue whose claim this node holds now (running,
     * publishing, waiting to retry, claimed ahead): its spec is still listed,
     * and a pick of it could only lose to ourselves.
     */
    private readonly holds: (seq: number) => boolean = () => false,
    /**
     * Lists pending/ and its buckets. The daemon answers from its armed
     * watches when it can (daemon/wakeups.ts): a node whose watch stands
     * has not changed since it was read; a listing it reads arms the watch.
     */
    private readonly listChildren: (path: string) => Promise<string[]> = (path) => zk.childrenOrEmpty(path),
  ) {
    this.strays = new StrayClaims(zk, paths, queue, report);
  }

  /** Forget the cached listing (after a new session, or when told of changes). */
  reset(): void {
    this.head = [];
    this.strays.reset();
  }

  /** Claim the oldest available job, or return null when there is none. */
  async claimNext(): Promise<ClaimedJob | null> {
    return (await this.claimSome(1))[0] ?? null;
  }

  /**
   * Claim up to `wanted` of the oldest available jobs, racing for them in
   * parallel (a daemon with several free slots is several claimers).
   */
  async claimSome(wanted: number, room: Room = UNLIMITED, ahead = false): Promise<ClaimedJob[]> {
    const won: ClaimedJob[] = [];
    const left = { ...room };
    let refilled = false;
    let listing: Set<string> | null = null;
    while (won.length < wanted && left.slots > 0) {
      // Alone, nobody else takes jobs from our cached head: the claims
      // listing and the pre-check would only cost a read each per job. A
      // lost create (a canceller, a stray claim, a peer just starting)
      // turns both back on until the next listing has swept. Racing, one
      // listing serves the whole call unless a create is lost: a pass that
      // found its picks ended (or refilled the head) goes on with it, as
      // those picks told nothing about what peers hold.
      const alone = this.racers() <= 1 && !this.lostSinceListing && performance.now() - this.listedAt < LONE_LISTING_MS;
      if (!alone && (listing === null || this.lostSinceListing)) listing = await this.listClaims(wanted - won.length);
      const claimed = alone ? new Set<string>() : listing!;
      const picks = this.pick(claimed, wanted - won.length, left);
      if (picks.length === 0) {
        if (refilled) break;
        await this.refill();
        refilled = true;
        continue;
      }
      const attempts = await Promise.all(picks.map((entry) => this.tryClaim(entry, ahead)));
      for (const a of attempts) if (a.kind === 'claimed') won.push(a.job);
      // Room was taken for every pick; give back that of the picks we did not win.
      for (const [i, a] of attempts.entries()) if (a.kind !== 'claimed') give(left, picks[i].requirements);
      this.dropEndedHead(attempts);
    }
    return won;
  }

  /** The claims held now, with stray ones among the next candidates swept away. */
  private async listClaims(count: number): Promise<Set<string>> {
    const claimed = new Set(await retry(() => this.zk.childrenOrEmpty(this.paths.claims(this.queue))));
    this.lostSinceListing = false;
    this.listedAt = performance.now();
    const blocked = [...this.head.slice(0, this.spread(count)).map((e) => e.seq), ...this.lostSeqs];
    this.lostSeqs.clear();
    await this.strays.sweep(claimed, blocked);
    return claimed;
  }

  /**
   * Pick `count` candidates among the first count × racers unclaimed ones
   * (oldest first), so that racing daemons spread over the head instead of
   * all creating the same claim; drop them from the cache. Among alike jobs
   * a node takes its own share first, the jobs whose number modulo the
   * racers is its rank, then others at random: racers that see the same
   * window then take different jobs, where random picks collided (a failed
   * write through the leader, with the spec read and result check that
   * went with it). The window is the same either way, so FIFO is too.
   * The candidates end before the first job that does not fit the room
   * left: that one is waited for (FIFO), not passed. The picks' room is
   * taken from `left`.
   */
  private pick(claimed: Set<string>, count: number, left: Room): HeadEntry[] {
    const spread = this.spread(count);
    const candidates: { entry: HeadEntry; at: number }[] = [];
    for (let at = 0; at < this.head.length; at++) {
      const entry = this.head[at];
      if (claimed.has(formatSeq(entry.seq)) || this.holds(entry.seq)) continue;
      if (!fits(entry.requirements, left)) break;
      candidates.push({ entry, at });
      if (candidates.length >= spread) break;
    }
    // Alike jobs: our own share first, then at random (any of them fits as
    // well as another); jobs of different sizes are taken oldest first, and
    // the first that no longer fits stops the pick, or a small younger job
    // could pass it.
    const first = candidates[0]?.entry.requirements;
    const alike = candidates.every(({ entry: e }) => e.requirements.cpus === first.cpus && e.requirements.mem === first.mem);
    const racers = Math.max(1, this.racers());
    const rank = this.rank();
    const nextPick = () => {
      if (!alike) return 0;
      const own = candidates.findIndex(({ entry }) => entry.seq % racers === rank);
      return own >= 0 ? own : Math.floor(Math.random() * candidates.length);
    };
    const chosen: { entry: HeadEntry; at: number }[] = [];
    while (chosen.length < count && candidates.length > 0) {
      const [candidate] = candidates.splice(nextPick(), 1);
      if (!fits(candidate.entry.requirements, left)) break;
      take(left, candidate.entry.requirements);
      chosen.push(candidate);
    }
    // Out of the cache by position, last first: the picks are among its
    // first entries, and filtering the whole head (a bucket holds up to
    // 10,000) for every pick was 2% of a busy daemon's CPU.
    for (const at of chosen.map((c) => c.at).sort((a, b) => b - a)) this.head.splice(at, 1);
    return chosen.map((c) => c.entry).sort((a, b) => a.seq - b.seq);
  }

  /** How far into the head a pick of `count` looks. */
  private spread(count: number): number {
    return count * Math.max(1, this.racers());
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
    const after = this.head.findIndex((e) => e.seq > past); // the head is sorted by job number
    this.head.splice(0, after < 0 ? this.head.length : after);
  }

  /** List buckets oldest first and cache the eligible jobs of the first range that has any. */
  private async refill(): Promise<void> {
    this.head = await retry(() => this.listHead());
    // A head read anew is checked against claims/ once, alone too, if it
    // lists a job we do not hold ourselves: only a claim of another's could
    // block one (a stray, a hostile name), and ours are no news. An idle
    // node refills at every wake-up while its own jobs are still listed.
    if (this.head.some((e) => !this.holds(e.seq))) this.listedAt = -Infinity;
  }

  private async listHead(): Promise<HeadEntry[]> {
    for (const range of await this.eligibleRanges()) {
      const listed = await Promise.all(range.map(async ({ bucket, requirements }) => {
        const names = await this.listChildren(this.paths.pendingBucket(this.queue, bucket));
        return names.map((name) => this.seqOf(bucket, name)).filter((s): s is number => s !== null).map((seq) => ({ seq, bucket, requirements }));
      }));
      const entries = listed.flat().sort((a, b) => a.seq - b.seq);
      if (entries.length > 0) return entries;
    }
    return [];
  }

  /**
   * The buckets of pending/ this node is eligible for, grouped by range,
   * oldest range first; ineligible ones are never listed. A name that is no
   * bucket zkjobs makes is reported and skipped.
   */
  private async eligibleRanges(): Promise<{ bucket: string; requirements: Requirements }[][]> {
    const offer = this.offer();
    const ranges = new Map<number, { bucket: string; requirements: Requirements }[]>();
    for (const bucket of await this.listChildren(this.paths.pending(this.queue))) {
      const parsed = parsePendingBucket(bucket);
      if (parsed === null) {
        this.report({ path: this.paths.pendingBucket(this.queue, bucket), problem: 'not a bucket name', action: 'ignored' });
        continue;
      }
      if (!eligible(parsed.requirements, offer)) continue;
      const range = ranges.get(parsed.first) ?? [];
      range.push({ bucket, requirements: parsed.requirements });
      ranges.set(parsed.first, range);
    }
    return [...ranges.entries()].sort((a, b) => a[0] - b[0]).map(([, buckets]) => buckets);
  }

  /** A listed spec's job number; a name zkjobs does not write there is reported and skipped. */
  private seqOf(bucket: string, name: string): number | null {
    const seq = parseSeqInBucket(bucket, name);
    if (seq !== null) return seq;
    const problem = parseSeq(name) === null ? 'not a job name' : 'job spec in the wrong bucket';
    this.report({ path: `${this.paths.pendingBucket(this.queue, bucket)}/${name}`, problem, action: 'ignored' });
    return null;
  }

  /** `ahead`: claimed ahead of need, said in the claim record (daemon/claimed-ahead.ts). */
  private async tryClaim(entry: HeadEntry, ahead: boolean): Promise<Attempt> {
    const id = { queue: this.queue, seq: entry.seq };
    const record = newClaimRecord(this.nodeId, ahead);
    const specPath = this.paths.pendingIn(this.queue, entry.bucket, entry.seq);
    const session = this.zk.sessionId;
    const zk = this.zk.boundTo(session);
    try {
      let tries = 0;
      const checked = await retry(() => this.claimAndCheck(zk, id, specPath, record, tries++ > 0));
      if (checked.kind !== 'checked') return checked;
      // Still our session now. The daemon may start the job later (claimed
      // ahead, daemon/claimed-ahead.ts): it checks the session again then.
      if (this.zk.sessionId !== session) return { kind: 'skipped' };
      const parsed = parseOrReason(checked.specData, entry.requirements);
      return { kind: 'claimed', job: { id, attempt: checked.attempt, specData: checked.specData, specPath, requirements: entry.requirements, session, ...parsed } };
    } catch (err) {
      // Every request of the attempt went to `session`: a claim we made died with it.
      if (err instanceof SessionChangedError) return { kind: 'skipped' };
      throw err;
    }
  }

  /** Steps 1-4: safe to run again after a lost connection (see the top of the file). `retried`: an earlier try may have made our claim. */
  private async claimAndCheck(zk: ZkClient, id: JobId, specPath: string, record: Buffer, retried: boolean): Promise<Attempt | { kind: 'checked'; attempt: number; specData: Buffer }> {
    const spec = await zk.getOrNull(specPath);
    if (!spec) return { kind: 'gone', seq: id.seq };
    const bumped = await specForAttempt(zk, this.paths, spec.data, spec.stat.version + 1, this.nodeId);
    // The result check goes right behind the multi: one session's requests
    // are applied in the order sent, so it sees the state after our claim
    // exists (step 4), in the same round trip. When the claim loses, the
    // read is thrown away.
    const [claimed, result] = await Promise.all([this.createClaim(zk, id, record, specPath, spec, bumped, retried), zk.exists(this.paths.result(id.queue, id.seq))]);
    if (claimed.kind !== 'won') return claimed;
    if (result) {
      await this.checkResult(zk, id);
      await finishCleanupOnce(zk, this.paths, id, specPath);
      return { kind: 'skipped' };
    }
    return { kind: 'checked', attempt: claimed.version, specData: claimed.data };
  }

  /**
   * Steps 2 and 3: the claim and the attempt bump in one multi. A multi
   * whose reply was lost may have been applied: the next try then meets our
   * own claim (the token in its bytes), and the spec it has just read is the
   * one our multi wrote. On the first try no multi of ours has gone out
   * with this record (its token is new), so an existing claim is a peer's,
   * or our own for another run: lost, without reading it (a read per lost
   * race, which grows with the number of peers).
   */
  private async createClaim(zk: ZkClient, id: JobId, record: Buffer, specPath: string, spec: { data: Buffer; stat: Stat }, bumped: Buffer, retried: boolean): Promise<{ kind: 'won'; version: number; data: Buffer } | Attempt> {
    this.stats.attempts++;
    const claim = this.paths.claim(id.queue, id.seq);
    try {
      // The lock ACL (fleet-access.ts): only daemons and admins may rewrite the claim or change its ACL.
      const [, set] = await zk.multi([
        { op: 'create', path: claim, data: record, mode: 'ephemeral', acl: await lockAclFor(zk, this.paths, id.queue) },
        { op: 'set', path: specPath, data: bumped, version: spec.stat.version },
      ]);
      this.stats.won++;
      return { kind: 'won', version: set?.op === 'set' ? set.stat.version : spec.stat.version + 1, data: bumped };
    } catch (err) {
      if (!(err instanceof ZkError) || err.multiOp === undefined) throw err;
      if (err.multiOp.index === 1 && err instanceof NoNodeError) return { kind: 'gone', seq: id.seq };
      if (err.multiOp.index === 0 && err instanceof NodeExistsError && retried && (await ownsWithData(zk, claim, record))) {
        this.stats.won++;
        return { kind: 'won', version: spec.stat.version, data: spec.data };
      }
      if (!(err instanceof NodeExistsError || err instanceof BadVersionError)) throw err;
      // A peer holds it (or our own session, for another run), or a peer's
      // attempt moved the spec on since we read it: neither is a win.
      this.stats.lost++;
      this.lostSinceListing = true;
      this.lostSeqs.add(id.seq);
      return { kind: 'skipped' };
    }
  }

  /**
   * A result decides, even one we cannot read: it may be a newer zkjobs's
   * record, and replacing it would break "exactly one result". The job ends
   * as it says (shown as failed, with the reason); an unreadable one is
   * reported, and zkjobq rm and a new submit are the operator's way on.
   */
  private async checkResult(zk: ZkClient, id: JobId): Promise<void> {
    const path = this.paths.result(id.queue, id.seq);
    const node = await zk.getOrNull(path);
    if (!node) return;
    try {
      parseResult(node.data);
    } catch (err) {
      this.report({ path, problem: `unreadable result beside a pending spec: ${(err as Error).message}`, action: 'job ended as failed; spec removed' });
    }
  }
}

/** The spec, or why it cannot run here: unparseable, or asking for other than its bucket's class says. */
function parseOrReason(data: Buffer, bucketClass: Requirements): { spec: JobSpec | null; specError: string | null } {
  let spec: JobSpec;
  try {
    spec = parseJobSpec(data);
  } catch (err) {
    return { spec: null, specError: (err as Error).message };
  }
  const asked = encodeClass(requirementsOf(spec));
  const filed = encodeClass(bucketClass);
  if (asked !== filed) return { spec: null, specError: `its requirements (${asked || 'none'}) differ from those of the bucket it is in (${filed || 'none'})` };
  return { spec, specError: null };
}

function take(room: Room, r: Requirements): void {
  room.slots -= r.cpus;
  room.mem -= r.mem;
}

function give(room: Room, r: Requirements): void {
  room.slots += r.cpus;
  room.mem += r.mem;
}

/**
 * The spec's data version counts the attempts that got this far; null when
 * the job is gone. Only the claim holder bumps it, so the set is made at the
 * version last seen (read first when not given): a set whose reply was lost
 * then fails with BadVersion on the retry, and the version it finds is ours.
 */
export async function bumpAttempt(zk: ZkClient, specPath: string, data: Buffer, version?: number): Promise<number | null> {
  const seen = version ?? (await retry(() => zk.exists(specPath)))?.version;
  if (seen === undefined) return null;
  return retry(async () => {
    try {
      return (await zk.set(specPath, data, seen)).version;
    } catch (err) {
      if (err instanceof NoNodeError) return null;
      if (!(err instanceof BadVersionError)) throw err;
      return (await zk.exists(specPath))?.version ?? null;
    }
  });
}
