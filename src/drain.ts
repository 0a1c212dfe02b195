// Draining a node: `zkjobq drain NODE` asks the daemon with that node id to
// claim nothing new, while the jobs it already holds finish and publish as
// usual; `zkjobq undrain NODE` lets it claim again.
//
// The request is a persistent znode, ROOT/drains/<node-id>, not a field of
// the node record: a record is ephemeral and dies with the daemon's
// session, and a drain must outlive a restart (a node drained for repair
// stays drained when it reboots). A node that is not running may be
// drained too: it starts drained. The daemon watches its own request
// (daemon/drain-watch.ts) and says in its node record that it drains
// (`draining: true`), which `zkjobq nodes`, pending reasons and submit's
// "no live daemon serves the queue" warning read.
//
// What counts is that the znode exists, whatever it holds: its data (who,
// when, why) is for people. A request zkjobs cannot read (written by
// someone else, empty, garbage) still drains the node, and the daemon says
// so in one log line. Draining is the safe side of the doubt: a node that
// claims nothing loses no job, and `zkjobq undrain` removes any such znode.
//
// Access: once the fleet's identities are set (`zkjobq init`), ROOT/drains
// and every request in it may be changed by the fleet's admins only and are
// read by everyone (fleet-access.ts drainsAcl); daemons only read their
// own. Before that they are open, like everything else of an open fleet.
//
// Crash points: a drain is one create (or one set of a request already
// there, which only refreshes who and why), an undrain one delete; each is
// complete or not done, and safe to run again.
import os from 'node:os';
import type { Acl, ZkClient } from './zk/client.js';
import type { Paths } from './zk/paths.js';
import { retry } from './zk/retry.js';
import { NoAuthError, NoNodeError, NotEmptyError } from './zk/errors.js';
import { decodeJsonObject, encodeJson, optionalString, rejectUnknownFields, stringField } from './record.js';
import { drainsAcl, fleetAccessOf } from './fleet-access.js';
import { DataError, NotAuthorizedError } from './errors.js';
import { checkName } from './job-id.js';

/** Who asked for a drain, when and why: shown to people, never needed to drain. */
export interface DrainRequest {
  /** user@host of the zkjobq that wrote it. */
  by: string;
  at: string;
  reason?: string;
}

/** A node's drain, as read: the request, or why it cannot be read (it drains all the same). */
export interface Drain {
  request: DrainRequest | null;
  problem: string | null;
}

/** A reason is one line for a table or a log: longer text is a mistake, not a reason. */
export const MAX_REASON = 200;

export function newDrainRequest(reason?: string): DrainRequest {
  return { by: `${os.userInfo().username}@${os.hostname()}`, at: new Date().toISOString(), ...(reason ? { reason } : {}) };
}

export function parseDrainRequest(data: Buffer): DrainRequest {
  const what = 'drain request';
  const fields = decodeJsonObject(data, what, 4096);
  rejectUnknownFields(fields, ['by', 'at', 'reason'], what);
  const reason = optionalString(fields, 'reason', what);
  return { by: stringField(fields, 'by', what), at: stringField(fields, 'at', what), ...(reason !== undefined ? { reason } : {}) };
}

/** A request's data as read, or why it cannot be: never a throw, since its existence alone drains. */
export function readDrainData(data: Buffer | null, unreadable?: string): Drain {
  if (data === null) return { request: null, problem: unreadable ?? 'not readable' };
  try {
    return { request: parseDrainRequest(data), problem: null };
  } catch (err) {
    return { request: null, problem: (err as Error).message };
  }
}

/**
 * Drain `node` (running or not). True when it was not drained before;
 * false when a request was there already (its who and why are replaced).
 */
export async function drainNode(zk: ZkClient, paths: Paths, node: string, request: DrainRequest): Promise<boolean> {
  const path = paths.drain(checkName('node', node));
  const data = encodeJson(request);
  return retry(async () => {
    const acl = await ensureDrainsParent(zk, paths);
    if (await zk.createIfAbsent(path, data, 'persistent', acl)) return true;
    await zk.set(path, data);
    return false;
  });
}

/** Let `node` claim again. False when it was not drained. */
export async function undrainNode(zk: ZkClient, paths: Paths, node: string): Promise<boolean> {
  const path = paths.drain(checkName('node', node));
  return retry(async () => {
    try {
      return await zk.deleteIfExists(path);
    } catch (err) {
      if (!(err instanceof NotEmptyError)) throw err;
      // Someone else put children under the request: they mean nothing to zkjobs, and would keep the node drained.
      for (const child of await zk.childrenOrEmpty(path)) await zk.deleteIfExists(paths.drainChild(node, child));
      return zk.deleteIfExists(path);
    }
  });
}

/**
 * Make ROOT/drains if missing, and say with which ACL requests are made:
 * the fleet's admins' once `zkjobq init` has run, else open. An identity
 * that may not read the fleet's identities must not make the parent open
 * where they are set: it would let anyone drain any node.
 */
async function ensureDrainsParent(zk: ZkClient, paths: Paths): Promise<Acl[] | undefined> {
  const fleet = await fleetAccessOf(zk, paths);
  const acl = fleet ? drainsAcl(fleet) : undefined;
  if (await zk.exists(paths.drains())) return acl;
  if (!fleet && (await zk.exists(paths.fleetAccess()))) {
    throw new NotAuthorizedError("not authorized to drain nodes: the fleet's identities are set (zkjobq init) and this identity is not among its admins");
  }
  await zk.mkdirp(paths.root);
  await zk.createIfAbsent(paths.drains(), '', 'persistent', acl);
  return acl;
}

/** One node's drain, or null when it is not drained. */
export async function readDrain(zk: ZkClient, paths: Paths, node: string): Promise<Drain | null> {
  return retry(() => readOne(zk, paths.drain(node)));
}

async function readOne(zk: ZkClient, path: string): Promise<Drain | null> {
  try {
    const found = await zk.getOrNull(path);
    return found ? readDrainData(found.data) : null;
  } catch (err) {
    if (!(err instanceof NoAuthError)) throw err;
    // Someone locked the request away from us: it exists, so it drains.
    return (await zk.exists(path)) ? readDrainData(null, 'not readable by this identity') : null;
  }
}

/** More drains than any fleet has nodes: someone else's znodes, never listed (one reply must stay small). */
export const MAX_DRAINS = 10_000;

/**
 * Every drained node id, with its request. Names that are no node id
 * (someone else's znodes) are nobody's drain and are left out; a parent
 * stuffed beyond MAX_DRAINS is refused (exit 65) rather than listed.
 */
export async function listDrains(zk: ZkClient, paths: Paths): Promise<Map<string, Drain>> {
  return retry(async () => {
    const stat = await zk.exists(paths.drains());
    if (stat && stat.numChildren > MAX_DRAINS) throw new DataError(`${stat.numChildren} drain requests, more than any fleet has nodes: not listed (zkjobq check reports them)`);
    const names = (await zk.childrenOrEmpty(paths.drains())).filter(isNodeName).sort();
    const drains = new Map<string, Drain>();
    for (let i = 0; i < names.length; i += 16) {
      const read = await Promise.all(names.slice(i, i + 16).map((name) => readOne(zk, paths.drain(name)).catch((err) => {
        if (err instanceof NoNodeError) return null;
        throw err;
      })));
      read.forEach((drain, j) => drain && drains.set(names[i + j], drain));
    }
    return drains;
  });
}

/** Whether a name under ROOT/drains can be a node's (checkName): others are nobody's drain. */
export function isNodeName(name: string): boolean {
  try {
    checkName('node', name);
    return true;
  } catch {
    return false;
  }
}
