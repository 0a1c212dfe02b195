// How an idle daemon learns that there may be work, without polling the
// queue and without being woken by every change to it (herd effect).
//
// A daemon with free slots and nothing to claim arms watches on what a new
// submission changes; a busy one arms none there, so a steady stream of
// submissions fires no watch of its. (The claimer's own listings of pending/
// and of the head's buckets arm theirs too, once per refill of its cached
// head: see children().) Per served queue:
//  - the queue's sequence counter: its data changes on every reservation,
//    never on completions. With the queue deleted there is no counter, and
//    getData leaves no watch on a missing node, so then an exists watch
//    waits for its creation (ensureQueue creates the counter last: the
//    queue is complete when it fires);
//  - when numbers were reserved since the daemon last looked, the creation
//    of their jobs (a submitter reserves its number, then creates the job):
//    a child watch on the bucket that holds the newest number, and on
//    pending/, which changes when a bucket is made. A job with requirements
//    is in the bucket of its class (`<first>~<class>`, placement.ts): the
//    class buckets of that range this node is eligible for are watched too,
//    and those it is not eligible for never are, so that ineligible work
//    wakes nobody beyond the counter's one watch.
//
// Watches fire once and can't be taken back (the binding has no
// removeWatches), so a watch is only armed where something will change: never
// on a job's own path, which may already be gone for good (its watch would
// never fire, and one per job piles up in the server and in the binding for
// the daemon's lifetime). A bucket changes whenever one of its jobs is made
// or finishes, and is reaped once empty (a deletion fires its watch too);
// pending/ changes whenever a bucket is made or reaped. Each path is armed at
// most once until it fires, so a daemon holds at most a handful of watches
// per queue whatever it has run. A slow timer backs the watches up against
// any event lost across a reconnection.
//
// An armed watch also says that its node has not changed since it was set:
// the counter, pending/ and the buckets are not read again while theirs are
// armed, and what the arming read returned is used instead (a trickle of jobs
// woke an idle daemon about five times per job, and each wake-up re-read all
// three). The claimer's listings of pending/ and of the buckets are answered
// the same way (children()). A change fires the watch, which wakes the
// daemon and unmarks the path, so the next pass reads it anew.
import type { Paths } from '../zk/paths.js';
import { bucketOf } from '../zk/paths.js';
import type { ZkClient } from '../zk/client.js';
import { NoNodeError } from '../zk/errors.js';
import { retry } from '../zk/retry.js';
import { parseSeq } from '../job-id.js';

/** Safety net when idle: rescan this often even if no watch fired. */
const IDLE_RESCAN_MS = 5_000;

/** What an arming call read, and whether it left a watch in the server (a read of a missing node may not). */
interface Armed<T> {
  value: T;
  watching: boolean;
}

export class Wakeups {
  private armed = new Set<string>();
  /** For armed paths whose value is kept (armOnce's keep): what the arming read returned. */
  private seen = new Map<string, unknown>();
  /** Per queue, the counter when we last looked: numbers above it may have no job yet. */
  private lastCounter = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly zk: ZkClient,
    private readonly paths: Paths,
    private readonly wake: () => void,
    /** Whether this node is eligible for the jobs of a class bucket of the queue (placement.ts). */
    private readonly eligibleBucket: (name: string) => boolean = () => true,
  ) {}

  /** A new session carries no watches: forget what was armed. */
  reset(): void {
    this.armed.clear();
    this.seen.clear();
  }

  cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  async armIdle(queues: readonly string[]): Promise<void> {
    for (const queue of queues) await this.armQueue(queue);
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.wake();
      }, IDLE_RESCAN_MS);
      this.timer.unref();
    }
  }

  private async armQueue(queue: string): Promise<void> {
    const last = await this.armCounter(queue);
    if (last === null) {
      this.lastCounter.delete(queue);
      return;
    }
    // First look (nothing known), or a counter gone back (the queue was
    // re-created): every number up to the counter may be a job to come.
    const known = this.lastCounter.get(queue) ?? 0;
    const previous = known > last ? 0 : known;
    if (last === previous) return;
    const landed = await this.armCreation(queue, previous + 1, last);
    // Only once the creation watch is armed: if arming failed, the next
    // pass tries again for the same numbers.
    this.lastCounter.set(queue, last);
    // A job submitted between our scan and these watches is already there:
    // look once more now rather than at the next rescan. The next arming
    // sees no new numbers, so this cannot repeat.
    if (landed) setImmediate(this.wake);
  }

  /** Watch the counter for the next reservation (or for its creation); its value, null without one. */
  private async armCounter(queue: string): Promise<number | null> {
    const path = this.paths.counter(queue);
    const node = await this.armOnce(path, async (onChange) => {
      const data = await this.zk.watchData(path, onChange);
      if (data) return { value: data, watching: true };
      // getData left no watch on the missing counter; exists does, and fires at its creation.
      const stat = await this.zk.watchExists(path, onChange);
      return { value: stat && (await this.zk.getOrNull(path)), watching: true };
    }, () => this.zk.getOrNull(path), true);
    if (!node) return null;
    const last = Number(node.data.toString('latin1') || 0);
    // A counter that is not a number is not ours to interpret (it is
    // reported elsewhere): the counter watch and the rescan still wake us.
    return Number.isSafeInteger(last) && last >= 0 ? last : null;
  }

  /**
   * Arrange to be woken when a job numbered from..to is created: watch the
   * buckets of both ends (one, nearly always). True when one is there already.
   */
  private async armCreation(queue: string, from: number, to: number): Promise<boolean> {
    let landed = false;
    const pending = this.paths.pending(queue);
    // Buckets are made just before their first job: pending/ changes then.
    const buckets = (await this.armOnce(pending, (onChange) => this.watchChildren(pending, onChange), () => this.childrenOrNull(pending), true)) ?? [];
    for (const range of new Set([bucketOf(to), bucketOf(from)])) {
      const ours = buckets.filter((b) => b.startsWith(`${range}~`) && this.eligibleBucket(b));
      for (const bucket of [range, ...ours]) {
        const path = this.paths.pendingBucket(queue, bucket);
        // Kept while armed: a job created since the watch was set fires it, and wakes us.
        const names = await this.armOnce(path, (onChange) => this.watchChildren(path, onChange), () => this.childrenOrNull(path), true);
        landed ||= (names ?? []).map(parseSeq).some((seq) => seq !== null && seq >= from && seq <= to);
      }
    }
    return landed;
  }

  /** Children and a child watch, or null and no watch when the node is missing. */
  private async watchChildren(path: string, onChange: () => void): Promise<Armed<string[] | null>> {
    try {
      return { value: await this.zk.watchChildren(path, onChange), watching: true };
    } catch (err) {
      if (err instanceof NoNodeError) return { value: null, watching: false };
      throw err;
    }
  }

  private async childrenOrNull(path: string): Promise<string[] | null> {
    try {
      return await this.zk.children(path);
    } catch (err) {
      if (err instanceof NoNodeError) return null;
      throw err;
    }
  }

  /**
   * Arm a watch unless one is armed on this path already (then just read,
   * or with `keep`, return what the arming read returned: the node has not
   * changed since, or the watch would have fired). A path stays marked armed
   * only while the server holds a watch for it: marked but unwatched, it
   * would never be armed again.
   */
  private armOnce<T>(path: string, watch: (onChange: () => void) => Promise<Armed<T>>, read: () => Promise<T>, keep = false): Promise<T> {
    return this.arm(path, (onChange) => retry(() => watch(onChange)), () => retry(read), keep);
  }

  /** armOnce's work, with the requests as given: children() runs under its caller's retry. */
  private async arm<T>(path: string, watch: (onChange: () => void) => Promise<Armed<T>>, read: () => Promise<T>, keep: boolean): Promise<T> {
    if (this.armed.has(path)) return keep && this.seen.has(path) ? (this.seen.get(path) as T) : read();
    this.armed.add(path);
    try {
      const { value, watching } = await watch(() => {
        this.armed.delete(path);
        this.seen.delete(path);
        this.wake();
      });
      if (!watching) this.armed.delete(path);
      // Only while still armed: a watch that fired during the read left the value stale.
      else if (keep && this.armed.has(path)) this.seen.set(path, value);
      return value;
    } catch (err) {
      this.armed.delete(path);
      throw err;
    }
  }

  /**
   * The children of pending/ or of one of its buckets, for the claimer: what
   * the read that armed its watch returned while that watch stands (the node
   * has not changed since); otherwise read from the server, and that read
   * arms the watch. The claimer lists only to refill its cached head, so
   * this is one watch per path per refill, busy or not, and it fires at
   * the path's next change: one wake-up, and no read until the claimer
   * lists again. Arming only when idle cost a trickle of jobs two reads per
   * change of the bucket, the claimer's and then the arming one.
   * Not retried here: the claimer's refill runs under retry (zk/retry.ts).
   */
  async children(path: string): Promise<string[]> {
    return (await this.arm(path, (onChange) => this.watchChildren(path, onChange), () => this.childrenOrNull(path), true)) ?? [];
  }

  /** Wake when `path` is deleted (or at once if it is gone already); armed once until it fires. */
  async armDeletion(path: string): Promise<void> {
    const stat = await this.armOnce(path, async (onChange) => ({ value: await this.zk.watchExists(path, onChange), watching: true }), () => this.zk.exists(path));
    if (!stat) setImmediate(this.wake);
  }

  /**
   * List children, arming a child watch unless one is armed already
   * (re-armed only after it fired). `onChange` (default: wake) is called
   * when it fires, for an owner that must re-read the list.
   */
  async armChildren(path: string, onChange: () => void = this.wake): Promise<string[]> {
    if (this.armed.has(path)) return retry(() => this.zk.childrenOrEmpty(path));
    this.armed.add(path);
    try {
      return await retry(() => this.zk.watchChildren(path, () => {
        this.armed.delete(path);
        onChange();
      }));
    } catch (err) {
      this.armed.delete(path);
      throw err;
    }
  }
}
