// Jobs claimed ahead of need: while a node's slots are all busy, it holds
// at most one more claimed job per slot, so that a slot freed by an exiting
// job starts the next one at once, with no round trip to ZooKeeper between
// the exit and the start (docs/speed.md, "What changed", claim-ahead).
//
// A claimed-ahead job is ours exactly as a running one is (its ephemeral
// claim, the attempt set on its spec, a run slot of a limited queue), but
// no process of it exists yet. So:
//  - it counts against a queue's max_running from its claim, like a
//    running job (the run slot is taken before the claim, queue-limits.ts);
//  - it is started only while its claim is provably ours: the claiming
//    session is the current one, connected, and heard from within the
//    fence's window (daemon.ts startAhead). Otherwise it waits, and a fence
//    or an expiry releases or forgets it without it ever running;
//  - a cancel ends it without a run; a drain, a stop, a fence or a dead
//    job runner releases it (its claim deleted at once, so a peer takes it);
//  - its claim record says `ahead`, and the node record does not list it
//    as running until it starts: status shows it as pending, "claimed ahead
//    by NODE" (status.ts), never as running.
// FIFO: jobs are started in the order they were claimed, oldest first, and
// one that does not fit the free slots (--cpus, --mem) is waited for, not
// passed. One claim ahead per slot keeps the window of invariant 4 to the
// number of claimers racing.
import type { ClaimedJob } from '../claim.js';
import { formatJobId, type JobId } from '../job-id.js';

export class ClaimedAhead {
  private jobs: ClaimedJob[] = [];

  get length(): number {
    return this.jobs.length;
  }

  /** Node slots these jobs will take when they start. */
  slots(): number {
    return this.jobs.reduce((n, j) => n + j.requirements.cpus, 0);
  }

  /** Bytes of memory they asked for (--mem). */
  mem(): number {
    return this.jobs.reduce((n, j) => n + j.requirements.mem, 0);
  }

  add(job: ClaimedJob): void {
    this.jobs.push(job);
  }

  has(id: JobId): boolean {
    const key = formatJobId(id);
    return this.jobs.some((j) => formatJobId(j.id) === key);
  }

  /** The oldest job, if it fits `freeSlots`; null otherwise: it is waited for, not passed. */
  takeFitting(freeSlots: number): ClaimedJob | null {
    const first = this.jobs[0];
    if (!first || first.requirements.cpus > freeSlots) return null;
    return this.jobs.shift()!;
  }

  /** Take one job out (a cancel), or null when we hold no such job ahead. */
  remove(id: JobId): ClaimedJob | null {
    const key = formatJobId(id);
    const i = this.jobs.findIndex((j) => formatJobId(j.id) === key);
    return i < 0 ? null : this.jobs.splice(i, 1)[0];
  }

  /** Take them all out (release, or after expiry when the claims are gone). */
  takeAll(): ClaimedJob[] {
    return this.jobs.splice(0);
  }
}
