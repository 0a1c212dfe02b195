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
import { NodeExistsError } from '../zk/errors.js';
import { withRetry } from '../zk/retry.js';
import { encodeJson } from '../record.js';
import type { JobId } from '../job-id.js';

export async function withJobLock<T>(zk: ZkClient, paths: Paths, id: JobId, body: () => Promise<T>): Promise<T | null> {
  const path = paths.claim(id.queue, id.seq);
  const record = encodeJson({ node: `zkjobq-check@${os.hostname()}`, since: new Date().toISOString() });
  try {
    await withRetry(() => zk.create(path, record, 'ephemeral'));
  } catch (err) {
    if (!(err instanceof NodeExistsError)) throw err;
    // After a lost connection our own create may have gone through.
    const stat = await withRetry(() => zk.exists(path));
    if (!stat || stat.ephemeralOwner !== zk.sessionId) return null;
  }
  const session = zk.sessionId;
  try {
    return await body();
  } finally {
    const stat = await withRetry(() => zk.exists(path)).catch(() => null);
    // A delete that fails for good leaves a claim that dies with our session when check exits.
    if (stat && stat.ephemeralOwner === session && session === zk.sessionId) await withRetry(() => zk.delete(path, stat.version)).catch(() => undefined);
  }
}
