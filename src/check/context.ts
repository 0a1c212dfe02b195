// What the walkers of one queue share: the session, the queue, what the
// daemons' sessions are, and where findings go.
import type { Acl, ZkClient } from '../zk/client.js';
import type { Paths } from '../zk/paths.js';
import { retry } from '../zk/retry.js';
import { formatJobId } from '../job-id.js';
import { listBounded, MAX_LIST } from './bounded.js';
import type { Finding } from './finding.js';
import { lockAclFor } from '../fleet-access.js';
import { isOpenAcl } from '../acl.js';
import { NoAuthError, NoNodeError } from '../zk/errors.js';

export interface QueueContext {
  zk: ZkClient;
  paths: Paths;
  queue: string;
  /** The queue's limit: null for none, 'unknown' when its config cannot be read. */
  limit: number | null | 'unknown';
  /** Session ids of the registered daemons (nodes/*): their ephemeral znodes are live claims and slots. */
  daemons: Set<string>;
  /** The ACL claims and slots are made with (fleet-access.ts lockAclFor); undefined: open by design, or not ours to know. */
  lockAcl: Acl[] | undefined;
  /** The highest job number found under any name zkjobs writes. */
  highest: number;
  findings: Finding[];
}

export function jobOf(ctx: QueueContext, seq: number): string {
  return formatJobId({ queue: ctx.queue, seq });
}

/** A path relative to the queue's znode, as findings show it. */
export function rel(ctx: QueueContext, path: string): string {
  const base = ctx.paths.queue(ctx.queue);
  return path === base ? '' : path.slice(base.length + 1);
}

/**
 * The session ids that own a daemon's node record. A daemon registers
 * before it claims (daemon.ts onNewSession), so a claim or slot of any
 * other session is not a daemon's: a CLI's (cancel, purge, check, briefly)
 * or a stranger's. Read again when a finding is rechecked.
 */
export async function daemonSessions(zk: ZkClient, paths: Paths): Promise<Set<string>> {
  const listing = await listBounded(zk, paths.nodes(), MAX_LIST);
  if (listing.kind !== 'ok') return new Set();
  const stats = await retry(() => Promise.all(listing.names.map((id) => zk.exists(paths.node(id)))));
  return new Set(stats.filter((s) => s !== null && s.ephemeralOwner !== '0').map((s) => s!.ephemeralOwner));
}

/** The lock ACL of the queue, when this client may read the identities it is made of (admins, daemons, and a queue's submitters may). */
export async function expectedLockAcl(zk: ZkClient, paths: Paths, queue: string): Promise<Acl[] | undefined> {
  try {
    return await retry(() => lockAclFor(zk, paths, queue));
  } catch (err) {
    if (err instanceof NoAuthError) return undefined;
    throw err;
  }
}

/**
 * A lock (claim, slot, node record) made open — by an older zkjobs, or
 * rewritten so — when `expected` says it should not be: anyone may rewrite
 * it or lock it with an ACL of their own. The fix sets the expected ACL,
 * which is right for whatever znode is at that path then (a lock created
 * since carries that ACL already), so it needs no fencing.
 */
export async function openAclFinding(zk: ZkClient, path: string, expected: Acl[] | undefined, base: Omit<Finding, 'problem' | 'repair' | 'fix'>): Promise<Finding[]> {
  if (!expected) return [];
  let acl: Acl[];
  try {
    acl = await retry(() => zk.getAcl(path));
  } catch (err) {
    if (err instanceof NoNodeError) return [];
    throw err;
  }
  if (!isOpenAcl(acl)) return [];
  return [{ ...base, problem: 'open ACL: anyone may rewrite it or lock it with an ACL of their own', repair: 'set its ACL: daemons and admins change it, everyone reads', fix: { op: 'set-acl', path, acl: expected } }];
}
