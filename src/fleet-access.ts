// The fleet's identities: which ZooKeeper identities are daemons and which
// are admins, for the znodes that belong to no queue. A node record
// (ROOT/nodes/<id>) names the address to which `zkjobc output` sends its
// token, so only daemons may write one; claims and run slots of open
// queues are locks that only daemons (and admins) may change.
//
// `zkjobq init --daemons … --admins …` writes them to ROOT/access, which
// only those identities may read (as with a queue's access znode: ZooKeeper
// masks digest ids in getACL replies, and a digest of a weak password can
// be guessed offline), and restricts ROOT/nodes. Order and crash points,
// each step safe to run again (init runs as one operation under `retry`):
//  1. write ROOT/access: daemons that open a session from now on create
//     their record and their locks with the lock ACL;
//  2. restrict ROOT/nodes: only daemons create records there;
//  3. set the lock ACL on the records already there (daemons that started
//     before step 1);
//  4. restrict ROOT/drains and the drain requests already there: only
//     admins drain and undrain nodes (drain.ts).
// A crash between steps leaves records open until init runs again, or
// `zkjobq check --repair` sets their ACL (check/walk-nodes.ts); drain
// requests until init runs again.
//
// Daemons read ROOT/access once per session (forgetAccess at each new one):
// restart them after changing it, or their next session picks it up.
import type { Acl, ZkClient } from './zk/client.js';
import { PERM } from './zk/client.js';
import type { Paths } from './zk/paths.js';
import { NoAuthError, NoNodeError } from './zk/errors.js';
import { retry } from './zk/retry.js';
import { decodeJsonObject, encodeJson, rejectUnknownFields, stringArray } from './record.js';
import { accessOf, forgetQueueAccess, grant, lockAcl } from './acl.js';

export interface FleetAccess {
  daemons: string[];
  admins: string[];
}

const WORLD_READ: Acl = { perms: PERM.READ, scheme: 'world', auth: 'anyone' };

/** ROOT/nodes: daemons add and remove their records, everyone lists them. */
export function nodesAcl(f: FleetAccess): Acl[] {
  return [...grant(f.admins, PERM.ALL), ...grant(f.daemons.filter((d) => !f.admins.includes(d)), PERM.READ | PERM.CREATE | PERM.DELETE), WORLD_READ];
}

/**
 * ROOT/drains and the drain requests in it (drain.ts): admins drain and
 * undrain, everyone reads. Not daemons: a node has no reason to drain a
 * peer, and a stopping daemon says so in its own record.
 */
export function drainsAcl(f: FleetAccess): Acl[] {
  return [...grant(f.admins, PERM.ALL), WORLD_READ];
}

/** ROOT/access: its identities read it (daemons need it to make their ACLs), admins change it. */
export function fleetAccessAcl(f: FleetAccess): Acl[] {
  return [...grant(f.admins, PERM.ALL), ...grant(f.daemons.filter((d) => !f.admins.includes(d)), PERM.READ)];
}

export function parseFleetAccess(data: Buffer): FleetAccess {
  const what = 'fleet access';
  const fields = decodeJsonObject(data, what, 64 * 1024);
  rejectUnknownFields(fields, ['daemons', 'admins'], what);
  return { daemons: stringArray(fields, 'daemons', what), admins: stringArray(fields, 'admins', what) };
}

const fleetCache = new WeakMap<ZkClient, FleetAccess | null>();

/**
 * The fleet's identities, or null when none are configured or this client
 * may not read them (it is neither daemon nor admin: what it creates then
 * is open, and the restricted parents refuse what it may not create).
 * Cached per client; run under `retry`.
 */
export async function fleetAccessOf(zk: ZkClient, paths: Paths): Promise<FleetAccess | null> {
  if (!fleetCache.has(zk.client)) {
    let node: { data: Buffer } | null;
    try {
      node = await zk.getOrNull(paths.fleetAccess());
    } catch (err) {
      if (!(err instanceof NoAuthError)) throw err;
      node = null;
    }
    fleetCache.set(zk.client, node ? parseFleetAccess(node.data) : null);
  }
  return fleetCache.get(zk.client) ?? null;
}

/** Forget every cached identity, the queues' and the fleet's: a new session reads them again. */
export function forgetAccess(zk: ZkClient): void {
  fleetCache.delete(zk.client);
  forgetQueueAccess(zk);
}

/** The ACL of a daemon's node record: the fleet's lock ACL, or open when no fleet identities are configured. */
export async function nodeAclFor(zk: ZkClient, paths: Paths): Promise<Acl[] | undefined> {
  const fleet = await fleetAccessOf(zk, paths);
  return fleet ? lockAcl(fleet.daemons, fleet.admins) : undefined;
}

/**
 * The ACL for a new claim or run slot of `queue`: the lock ACL of the
 * queue's identities, else of the fleet's, else open.
 */
export async function lockAclFor(zk: ZkClient, paths: Paths, queue: string): Promise<Acl[] | undefined> {
  const access = await accessOf(zk, paths, queue);
  if (access) return lockAcl(access.daemons, access.admins);
  const fleet = await fleetAccessOf(zk, paths);
  return fleet ? lockAcl(fleet.daemons, fleet.admins) : undefined;
}

export interface InitOutcome {
  /** Node records whose ACL was set. */
  fixed: string[];
  /** Node records whose ACL we may not change (someone else's ACL): `zkjobq check` reports them. */
  refused: string[];
}

/** `zkjobq init`: steps 1-4 of the top of the file. */
export async function initFleet(zk: ZkClient, paths: Paths, access: FleetAccess): Promise<InitOutcome> {
  await retry(async () => {
    await zk.mkdirp(paths.nodes());
    const path = paths.fleetAccess();
    if (!(await zk.createIfAbsent(path, encodeJson(access), 'persistent', fleetAccessAcl(access)))) {
      await zk.set(path, encodeJson(access));
      await zk.setAcl(path, fleetAccessAcl(access));
    }
    await zk.setAcl(paths.nodes(), nodesAcl(access));
  });
  const outcome: InitOutcome = { fixed: [], refused: [] };
  const acl = lockAcl(access.daemons, access.admins);
  for (const id of (await retry(() => zk.childrenOrEmpty(paths.nodes()))).sort()) {
    try {
      await retry(() => zk.setAcl(paths.node(id), acl));
      outcome.fixed.push(id);
    } catch (err) {
      if (err instanceof NoNodeError) continue; // its daemon stopped meanwhile
      if (!(err instanceof NoAuthError)) throw err;
      outcome.refused.push(id);
    }
  }
  await restrictDrains(zk, paths, access);
  return outcome;
}

/** Step 4: ROOT/drains and each request in it get the admins' ACL (requests made before init were open). */
async function restrictDrains(zk: ZkClient, paths: Paths, access: FleetAccess): Promise<void> {
  const acl = drainsAcl(access);
  await retry(async () => {
    if (!(await zk.createIfAbsent(paths.drains(), '', 'persistent', acl))) await zk.setAcl(paths.drains(), acl);
  });
  for (const name of await retry(() => zk.childrenOrEmpty(paths.drains()))) {
    await retry(() => zk.setAcl(paths.drain(name), acl)).catch((err) => {
      if (!(err instanceof NoNodeError)) throw err; // undrained meanwhile
    });
  }
}
