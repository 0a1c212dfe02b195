// Stray claims: a node under claims/ with a job's name that no session
// holds, because someone created it persistent (zkjobs only ever creates
// claims ephemeral). It is not a claim: no process runs the job, and it
// would never die with a session, so the job would show "running" forever
// and cancel, rm and every claimer would step around it. Whoever meets one
// deletes it and reports the finding; the job is then claimable as usual.
//
// Deleting it cannot make a job run twice: a live run always holds an
// ephemeral claim, and the delete is of the node just read as persistent
// (a peer's ephemeral claim could take the name only after someone else
// deleted the stray in between; then ours finds nothing, or a node of a
// session, and leaves it).
//
// A daemon does not stat every claim it lists (one read per job per
// daemon): only a claim that still blocks a job at the head of its listing
// at a later claiming pass, at least SUSPECT_AFTER_MS after it was first
// seen blocking, is checked, once, and remembered while listed. A live
// claim of a short job is gone by then, so busy peers racing over the same
// head do not each stat it (measured at 16 daemons: 1.7 reads per job);
// a stray never goes, and is cleared at the first pass past that age.
import type { Paths } from './zk/paths.js';
import type { ZkClient } from './zk/client.js';
import { isEphemeral } from './zk/ephemeral.js';
import { retry } from './zk/retry.js';
import { formatSeq, isSeqName, parseSeq, type JobId } from './job-id.js';
import { IGNORE_FINDINGS, type FindingSink } from './finding.js';
import { NoAuthError } from './zk/errors.js';

/** Delete the claim of `id` if it is a persistent node; true when it was one. */
export async function clearStrayClaim(zk: ZkClient, paths: Paths, id: JobId, report: FindingSink): Promise<boolean> {
  const path = paths.claim(id.queue, id.seq);
  const cleared = await retry(async () => {
    const stat = await zk.exists(path);
    if (!stat || isEphemeral(stat)) return false;
    await zk.deleteIfExists(path);
    return true;
  });
  if (cleared) report({ path, problem: 'persistent claim (no session holds it)', action: 'deleted' });
  return cleared;
}

/**
 * A client's clear (cancel, hold, release): the same, but a client that may
 * not delete (a submitter of a restricted queue) gets false, and the job
 * counts as claimed; a daemon or `zkjobq check` deletes the stray later.
 */
export async function clearStrayClaimIfAllowed(zk: ZkClient, paths: Paths, id: JobId): Promise<boolean> {
  try {
    return await clearStrayClaim(zk, paths, id, IGNORE_FINDINGS);
  } catch (err) {
    if (err instanceof NoAuthError) return false;
    throw err;
  }
}

/** How long a claim must have blocked the head before it is worth a read: short jobs' claims are gone by then. */
const SUSPECT_AFTER_MS = 1_000;

/** The claimer's side: which listed claims to check, and checking them. */
export class StrayClaims {
  /** Claim names that blocked a head job at the last pass, and when each was first seen blocking (performance.now()). */
  private blocking = new Map<string, number>();
  /** Claim names checked and found ephemeral, while they stay listed. */
  private live = new Set<string>();

  constructor(
    private readonly zk: ZkClient,
    private readonly paths: Paths,
    private readonly queue: string,
    private readonly report: FindingSink,
  ) {}

  /**
   * `claimed`: the names listed under claims/; `head`: the jobs a pick
   * looks at. Removes from `claimed` the strays found and deleted.
   */
  async sweep(claimed: Set<string>, head: readonly number[]): Promise<void> {
    // A name that is not a job's blocks nothing (picks look up exact names): say so once, leave it.
    for (const name of claimed) if (!isSeqName(name)) this.report({ path: `${this.paths.claims(this.queue)}/${name}`, problem: 'not a claim name', action: 'ignored' });
    for (const name of this.live) if (!claimed.has(name)) this.live.delete(name);
    const now = performance.now();
    const blocking = new Map(head.map(formatSeq).filter((name) => claimed.has(name)).map((name) => [name, this.blocking.get(name) ?? now] as const));
    const suspects = [...blocking].filter(([name, since]) => this.blocking.has(name) && now - since >= SUSPECT_AFTER_MS && !this.live.has(name)).map(([name]) => name);
    this.blocking = blocking;
    await Promise.all(suspects.map(async (name) => {
      const seq = parseSeq(name)!;
      if (await clearStrayClaim(this.zk, this.paths, { queue: this.queue, seq }, this.report)) claimed.delete(name);
      else this.live.add(name);
    }));
  }

  reset(): void {
    this.blocking.clear();
    this.live.clear();
  }
}
