// Node registry: each daemon keeps an ephemeral record under ROOT/nodes while
// its session lives. Peers count these records to size their claim spread
// and watch their list to learn when a peer dies (its claims die with it).
//
// A daemon restarted after SIGKILL may find its old record still there,
// owned by the dead session until it expires: it waits for that, rather
// than taking over a name that another live daemon may be using.
//
// Once the fleet's identities are configured (`zkjobq init`,
// fleet-access.ts), the record is created with the lock ACL in the same
// request: it names the address to which clients send the output token,
// so only daemons and admins may change it, and only daemons may create
// records at all (ROOT/nodes's ACL). A daemon whose identity is not among
// the fleet's daemons is refused at start, with the reason.
import os from 'node:os';
import { readFileSync } from 'node:fs';
import type { Paths } from './zk/paths.js';
import type { ZkClient } from './zk/client.js';
import { retry } from './zk/retry.js';
import { createEphemeralOnce } from './zk/ephemeral.js';
import { encodeNodeRecord, parseNodeRecord, type NodeRecord } from './node-record.js';
import { NotAuthorizedError, UnavailableError } from './errors.js';
import { NoAuthError } from './zk/errors.js';
import { nodeAclFor } from './fleet-access.js';
import type { Hardware } from './hardware.js';
import type { Activity } from './activity.js';

export const VERSION = '0.1.0';

/** This daemon's record; the last hardware sample, when there is one, replaces the quick load and memory figures. */
export function describeThisNode(slots: number, queues: string[], running: string[], startedAt: string, http: string | null = null, hardware?: Hardware, activity?: Activity): NodeRecord {
  const quick: NodeRecord = {
    host: os.hostname(),
    pid: process.pid,
    slots,
    running,
    queues,
    version: VERSION,
    startedAt,
    load: os.loadavg().map((l) => Math.round(l * 100) / 100),
    memFree: os.freemem(),
    memTotal: os.totalmem(),
    http,
  };
  return { ...quick, ...hardware, ...(activity ? { activity } : {}) };
}

/**
 * How long a record held by another live zkjobd is given to go away (it may
 * be stopping) before start fails: a duplicate node id is a configuration
 * error (cloned hosts), better said at once than after a session timeout.
 */
const LIVE_HOLDER_GRACE_MS = 3_000;

/**
 * Create our ephemeral record. A record already there is waited out for up
 * to staleWaitMs when it may belong to a dead session of ours (this host,
 * and its pid is no live zkjobd: a daemon killed and restarted before its
 * session expired); held by anyone else, start fails within a few seconds.
 */
export async function registerNode(zk: ZkClient, paths: Paths, nodeId: string, record: NodeRecord, staleWaitMs: number): Promise<void> {
  await retry(() => zk.mkdirp(paths.nodes()));
  // The record's startedAt and load make its bytes this call's own, as createEphemeralOnce needs.
  const data = encodeNodeRecord(record);
  const started = Date.now();
  let holder: Holder | null = null;
  while (!(await createRecord(zk, paths, nodeId, data))) {
    holder ??= await holderOf(zk, paths, nodeId);
    const waitMs = holder.maybeOurs ? staleWaitMs : LIVE_HOLDER_GRACE_MS;
    if (Date.now() - started > waitMs) {
      throw new UnavailableError(holder.maybeOurs
        ? `node id '${nodeId}' is still registered after ${Math.round(waitMs / 1000)} s by a session that is not ours (${holder.what}); is another zkjobd running with this --node-id?`
        : `node id '${nodeId}' is registered by another live zkjobd (${holder.what}); give each daemon its own --node-id`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** One create under the retry policy; NoAuth is a configuration error said in one line. */
async function createRecord(zk: ZkClient, paths: Paths, nodeId: string, data: Buffer): Promise<boolean> {
  try {
    return await retry(async () => createEphemeralOnce(zk, paths.node(nodeId), data, await nodeAclFor(zk, paths)));
  } catch (err) {
    if (!(err instanceof NoAuthError)) throw err;
    throw new NotAuthorizedError(`not authorized to register node '${nodeId}' under ${paths.nodes()}: this daemon's ZooKeeper identity (zk_auth_file, zk_tls_cert) is not among the fleet's daemons (zkjobq init --daemons)`, { cause: err });
  }
}

interface Holder {
  /** Could be a session of an earlier zkjobd of this host that died: worth waiting for its expiry. */
  maybeOurs: boolean;
  what: string;
}

async function holderOf(zk: ZkClient, paths: Paths, nodeId: string): Promise<Holder> {
  const node = await retry(() => zk.getOrNull(paths.node(nodeId)));
  if (!node) return { maybeOurs: true, what: 'gone since' };
  let holder: NodeRecord;
  try {
    holder = parseNodeRecord(node.data);
  } catch {
    // Not a record we can read: we cannot tell whose it is, so wait it out as before.
    return { maybeOurs: true, what: 'an unreadable record' };
  }
  const what = `host ${holder.host}, pid ${holder.pid}, since ${holder.startedAt}`;
  return { maybeOurs: holder.host === os.hostname() && !isOtherLiveZkjobd(holder.pid), what };
}

/** A process of this host other than us that runs zkjobd (a pid reused by something else does not count). */
function isOtherLiveZkjobd(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('zkjobd');
  } catch {
    return false; // no such process (or no /proc): nothing proves it alive, so wait as for our own
  }
}

export async function updateNode(zk: ZkClient, paths: Paths, nodeId: string, record: NodeRecord): Promise<void> {
  await retry(() => zk.set(paths.node(nodeId), encodeNodeRecord(record)));
}

export async function unregisterNode(zk: ZkClient, paths: Paths, nodeId: string): Promise<void> {
  await retry(() => zk.deleteIfExists(paths.node(nodeId)));
}

export interface NodeEntry {
  id: string;
  record: NodeRecord | null;
  error: string | null;
}

export function listNodes(zk: ZkClient, paths: Paths): Promise<NodeEntry[]> {
  return retry(() => readNodes(zk, paths));
}

/** One node's entry, or null when no daemon of that id is live. */
export function readNode(zk: ZkClient, paths: Paths, id: string): Promise<NodeEntry | null> {
  return retry(() => readNodeOnce(zk, paths, id));
}

async function readNodes(zk: ZkClient, paths: Paths): Promise<NodeEntry[]> {
  const ids = (await zk.childrenOrEmpty(paths.nodes())).sort();
  const entries = await Promise.all(ids.map((id) => readNodeOnce(zk, paths, id)));
  return entries.filter((e): e is NodeEntry => e !== null);
}

/** One try: null when the record is gone (the daemon left since it was listed); an unreadable one is an entry with its error. */
async function readNodeOnce(zk: ZkClient, paths: Paths, id: string): Promise<NodeEntry | null> {
  const node = await zk.getOrNull(paths.node(id));
  if (!node) return null;
  try {
    return { id, record: parseNodeRecord(node.data), error: null };
  } catch (err) {
    return { id, record: null, error: (err as Error).message };
  }
}

/**
 * Whether a live, non-draining daemon serves `queue`: what submit checks to
 * warn of a job that would wait for ever. Records are read a few at a time
 * and the look stops at the first that serves, so a large fleet costs a few
 * reads; all of them only when none does (the case worth a warning).
 */
export async function anyServer(zk: ZkClient, paths: Paths, queue: string): Promise<boolean> {
  const ids = await retry(() => zk.childrenOrEmpty(paths.nodes()));
  for (let i = 0; i < ids.length; i += 16) {
    const records = await Promise.all(ids.slice(i, i + 16).map((id) => retry(() => zk.getOrNull(paths.node(id)))));
    for (const node of records) {
      if (!node) continue;
      try {
        const record = parseNodeRecord(node.data);
        if (record.queues.includes(queue) && record.draining !== true) return true;
      } catch {
        // A record we cannot read serves nobody we can count on.
      }
    }
  }
  return false;
}
