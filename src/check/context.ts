// What the walkers of one queue share: the session, the queue, what the
// daemons' sessions are, and where findings go.
import type { ZkClient } from '../zk/client.js';
import type { Paths } from '../zk/paths.js';
import { retry } from '../zk/retry.js';
import { formatJobId } from '../job-id.js';
import { listBounded, MAX_LIST } from './bounded.js';
import type { Finding } from './finding.js';

export interface QueueContext {
  zk: ZkClient;
  paths: Paths;
  queue: string;
  /** The queue's limit: null for none, 'unknown' when its config cannot be read. */
  limit: number | null | 'unknown';
  /** Session ids of the registered daemons (nodes/*): their ephemeral znodes are live claims and slots. */
  daemons: Set<string>;
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
