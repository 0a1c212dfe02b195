// Repairs that touch a job's spec or result hold the job's claim while
// they do, exactly as purge and cancel do: with the claim ours, no daemon
// can start the job, finish its cleanup, or publish for it, so what we read
// stays true until we let go. If someone holds the claim, the job is left
// alone (its holder will finish it; run check again later).
//
// The claim is ephemeral: if we crash, it dies with our session and the
// job is exactly as a daemon's crash would leave it. We give it back only
// while it is provably ours (our current session owns it): after a lost
// session a daemon may hold that name now, and deleting its claim would
// let a second one run the job.
import os from 'node:os';
import type { ZkClient } from '../zk/client.js';
import type { Paths } from '../zk/paths.js';
import { retry } from '../zk/retry.js';
import { createEphemeralOnce, deleteIfOwned } from '../zk/ephemeral.js';
import { newClaimRecord } from '../claim.js';
import { lockAclFor } from '../fleet-access.js';
import type { JobId } from '../job-id.js';

export async function withJobLock<T>(zk: ZkClient, paths: Paths, id: JobId, body: () => Promise<T>): Promise<T | null> {
  const path = paths.claim(id.queue, id.seq);
  const record = newClaimRecord(`zkjobq-check@${os.hostname()}`);
  if (!(await retry(async () => createEphemeralOnce(zk, path, record, await lockAclFor(zk, paths, id.queue))))) return null;
  const session = zk.sessionId;
  try {
    return await body();
  } finally {
    // A release that fails for good leaves a claim that dies with our session when check exits.
    await retry(() => deleteIfOwned(zk, path, session)).catch(() => undefined);
  }
}
