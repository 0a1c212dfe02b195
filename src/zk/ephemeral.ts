// Recipes for the ephemeral znodes the protocol uses as locks (claims, run
// slots, node records), written once here rather than at every use.
//
// Create once. A create whose connection drops may have been applied: the
// retry then meets NodeExists on a node that may be our own. Curator's
// withProtection answers that with a unique token; the names here are fixed
// by the protocol, so the token travels in the data instead: the node is
// ours only if our current session owns it AND its bytes are the ones this
// call wrote. Ownership alone is not enough: our own session may already
// hold the node for another purpose (a claim taken earlier for a job still
// running here), and counting that as a fresh win ran one job several times
// at once. Callers make the data unique with `protectionToken()`.
//
// Owns. An ephemeral node is ours while its ephemeralOwner is our current
// session. A persistent node (owner "0") written by hand is nobody's.
//
// Delete if owned. A name we held may have been deleted by an operator and
// taken by a peer since; delete it only while it is still ours.
import { randomUUID } from 'node:crypto';
import type { Acl, Stat, ZkClient } from './client.js';
import { BadVersionError, NodeExistsError, NoNodeError } from './errors.js';

/** A token that makes a record unique to one create call. */
export function protectionToken(): string {
  return randomUUID();
}

/**
 * Create an ephemeral node; true when this call created it (now or in an
 * earlier try whose reply was lost). `data` must be unique to the call.
 * Safe to run again under `retry`.
 */
export async function createEphemeralOnce(zk: ZkClient, path: string, data: Buffer, acl?: readonly Acl[]): Promise<boolean> {
  try {
    await zk.create(path, data, 'ephemeral', acl);
    return true;
  } catch (err) {
    if (!(err instanceof NodeExistsError)) throw err;
    return ownsWithData(zk, path, data);
  }
}

/** True when `path` is an ephemeral node of our current session holding exactly `data`: our own create (see create once). */
export async function ownsWithData(zk: ZkClient, path: string, data: Buffer): Promise<boolean> {
  const node = await zk.getOrNull(path);
  return node !== null && node.stat.ephemeralOwner === zk.sessionId && node.data.equals(data);
}

/** True while `path` exists as an ephemeral node of `session` (default: our current one). */
export async function ownsEphemeral(zk: ZkClient, path: string, session = zk.sessionId): Promise<boolean> {
  const stat = await zk.exists(path);
  return stat !== null && stat.ephemeralOwner === session;
}

/** Delete `path` if `session` (default: our current one) owns it; true when this call deleted it. */
export async function deleteIfOwned(zk: ZkClient, path: string, session = zk.sessionId): Promise<boolean> {
  const stat = await zk.exists(path);
  if (stat === null || stat.ephemeralOwner !== session) return false;
  return zk.deleteIfExists(path);
}

/** True for a node that dies with a session; a persistent node (owner 0) written where an ephemeral one belongs is not. */
export function isEphemeral(stat: Stat): boolean {
  return !/^(0x)?0*$/i.test(stat.ephemeralOwner);
}

/**
 * Rewrite the data of an ephemeral node while `session` owns it; false when
 * it is not ours (any more). The set is made at the version just read, so a
 * node that changed hands in between is left alone. Safe under `retry`.
 */
export async function setIfOwned(zk: ZkClient, path: string, data: Buffer, session = zk.sessionId): Promise<boolean> {
  const stat = await zk.exists(path);
  if (stat === null || stat.ephemeralOwner !== session) return false;
  try {
    await zk.set(path, data, stat.version);
    return true;
  } catch (err) {
    if (err instanceof BadVersionError || err instanceof NoNodeError) return ownsEphemeral(zk, path, session);
    throw err;
  }
}
