// Access control with ZooKeeper digest identities. A queue made with
// `zkjobq create --submitters … --admins … --daemons …` has restricted
// znodes: only submitters (and admins) may take numbers and create jobs,
// daemons claim and complete, admins pause, purge and delete, everyone reads.
//
// Order and crash points:
//  - zkjobq create restricts the parents before it creates the counter,
//    and the counter right after: until then nobody can submit at all,
//    and a crash half-way is finished by running the same create again;
//  - a znode created in a restricted queue (bucket, job spec, result) is
//    created with the queue's ACL in the same request (ZkClient.create
//    with an ACL, which the binding patch provides), so it is never open.
//    The identities are read from the queue's `access` znode, which only
//    they may read (ZooKeeper masks digest ids in getACL replies, so a
//    parent's ACL cannot simply be copied).
//  - claims and run slots (locks) are created with the lock ACL: everyone
//    reads them, only daemons and admins may change them, so nobody else
//    can rewrite "running on X" or lock a claim with an ACL of their own.
//    On an open queue the identities come from the fleet's access znode
//    (fleet-access.ts lockAclFor), when `zkjobq init` has written one.
import { createHash } from 'node:crypto';
import type { Acl, ZkClient } from './zk/client.js';
import { PERM } from './zk/client.js';
import { DataError } from './errors.js';
import type { Paths } from './zk/paths.js';
import { decodeJsonObject, rejectUnknownFields, stringArray } from './record.js';

export interface QueueAccess {
  submitters: string[];
  admins: string[];
  daemons: string[];
}

/** ZooKeeper's digest id of "user:password": user:base64(sha1(user:password)). */
export function digestId(userPassword: string): string {
  const user = userPassword.slice(0, userPassword.indexOf(':'));
  if (!user || !userPassword.includes(':')) throw new DataError('expected USER:PASSWORD');
  return `${user}:${createHash('sha1').update(userPassword).digest('base64')}`;
}

/**
 * Certificate subjects, as ZooKeeper's x509 provider names a TLS client
 * (RFC 2253, e.g. `CN=worker,O=example`), are written `x509:SUBJECT`;
 * anything else is a digest id. (So a digest user may not be called x509.)
 */
const X509 = 'x509:';
const DIGEST_ID = /^[^:,\s]+:[A-Za-z0-9+/]{27}=$/;

/** An identity as given to --submitters etc.: a digest id user:HASH (from `zkjobq digest`), or x509:SUBJECT. */
export function checkIdentity(id: string): string {
  if (id.startsWith(X509)) {
    if (!/^[^\s,=]+=\S/.test(id.slice(X509.length)) || /\s$/.test(id)) throw new DataError(`invalid identity '${id}': expected x509:SUBJECT, the certificate's subject as ZooKeeper logs it (e.g. x509:CN=worker)`);
    return id;
  }
  if (!DIGEST_ID.test(id)) throw new DataError(`invalid identity '${id}': expected USER:DIGEST as printed by 'zkjobq digest', or x509:SUBJECT`);
  return id;
}

/**
 * A comma-separated list of identities. A subject has commas of its own
 * (`x509:CN=worker,O=example`): a piece that is neither a digest id nor
 * an x509 identity continues the subject before it.
 */
export function splitIdentities(list: string): string[] {
  const ids: string[] = [];
  for (const piece of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const continues = ids.length > 0 && ids[ids.length - 1].startsWith(X509) && !piece.startsWith(X509) && !DIGEST_ID.test(piece);
    if (continues) ids[ids.length - 1] += `,${piece}`;
    else ids.push(piece);
  }
  return ids.map(checkIdentity);
}

const WORLD_READ: Acl = { perms: PERM.READ, scheme: 'world', auth: 'anyone' };

/** ACL entries giving `perms` to each identity, in the scheme its form says. */
export function grant(ids: string[], perms: number): Acl[] {
  return ids.map((id) => (id.startsWith(X509) ? { perms, scheme: 'x509', auth: id.slice(X509.length) } : { perms, scheme: 'digest', auth: id }));
}

/** Claims, run slots and node records: daemons and admins change them, everyone reads. */
export function lockAcl(daemons: string[], admins: string[]): Acl[] {
  return [...grant(admins, PERM.ALL), ...grant(daemons.filter((d) => !admins.includes(d)), PERM.ALL), WORLD_READ];
}

/** True when an ACL lets anyone (world:anyone) change, lock or delete below a znode: it was made open. */
export function isOpenAcl(acl: readonly Acl[]): boolean {
  return acl.some((a) => a.scheme === 'world' && a.auth === 'anyone' && (a.perms & ~PERM.READ) !== 0);
}

/** The queue's config node: admins change it (pause), daemons and everyone read it. */
export function queueNodeAcl(a: QueueAccess): Acl[] {
  return [...grant(a.admins, PERM.ALL), WORLD_READ];
}

/** The sequence counter: submitters take numbers. */
export function counterAcl(a: QueueAccess): Acl[] {
  return [...grant(a.admins, PERM.ALL), ...grant(a.submitters, PERM.READ | PERM.WRITE), ...grant(a.daemons, PERM.READ), WORLD_READ];
}

/** pending, claims, results and cancels, and the buckets, specs and results below them. */
export function jobsAcl(a: QueueAccess): Acl[] {
  const submit = PERM.READ | PERM.CREATE | PERM.WRITE;
  const work = PERM.READ | PERM.CREATE | PERM.WRITE | PERM.DELETE;
  return [...grant(a.admins, PERM.ALL), ...grant(a.daemons, work), ...grant(a.submitters, submit), WORLD_READ];
}

/** slots: only daemons take run slots; a submitter's slot would block the queue. */
export function slotsAcl(a: QueueAccess): Acl[] {
  return [...grant(a.admins, PERM.ALL), ...grant(a.daemons, PERM.READ | PERM.CREATE | PERM.WRITE | PERM.DELETE), WORLD_READ];
}

/** The ACL each fixed child of a restricted queue gets. */
export function parentAcl(parent: 'pending' | 'claims' | 'results' | 'cancels' | 'slots', a: QueueAccess): Acl[] {
  return parent === 'slots' ? slotsAcl(a) : jobsAcl(a);
}

/** The access znode itself: its identities may read it, admins change it. */
export function accessAcl(a: QueueAccess): Acl[] {
  return [...grant(a.admins, PERM.ALL), ...grant([...a.submitters, ...a.daemons], PERM.READ)];
}

const queueAccess = new WeakMap<ZkClient, Map<string, QueueAccess | null>>();

/** A queue's identities, or null for an open queue. Cached per client (forgetAccess clears it); run under `retry`. */
export async function accessOf(zk: ZkClient, paths: Paths, queue: string): Promise<QueueAccess | null> {
  let cache = queueAccess.get(zk.client);
  if (!cache) queueAccess.set(zk.client, (cache = new Map()));
  if (!cache.has(queue)) {
    const node = await zk.getOrNull(paths.access(queue));
    cache.set(queue, node ? parseAccess(node.data) : null);
  }
  return cache.get(queue) ?? null;
}

/** Forget the cached identities of every queue (see fleet-access.ts forgetAccess). */
export function forgetQueueAccess(zk: ZkClient): void {
  queueAccess.delete(zk.client);
}

/** The ACL for new job znodes of `queue` (buckets, specs, results): undefined (open) unless the queue is restricted. */
export async function aclForNew(zk: ZkClient, paths: Paths, queue: string): Promise<Acl[] | undefined> {
  const access = await accessOf(zk, paths, queue);
  return access ? jobsAcl(access) : undefined;
}

/** The ACL for a slots/ parent made late (queues older than run slots). */
export async function slotsAclForNew(zk: ZkClient, paths: Paths, queue: string): Promise<Acl[] | undefined> {
  const access = await accessOf(zk, paths, queue);
  return access ? slotsAcl(access) : undefined;
}

export function parseAccess(data: Buffer): QueueAccess {
  const fields = decodeJsonObject(data, 'queue access', 64 * 1024);
  rejectUnknownFields(fields, ['submitters', 'admins', 'daemons'], 'queue access');
  return { submitters: stringArray(fields, 'submitters', 'queue access'), admins: stringArray(fields, 'admins', 'queue access'), daemons: stringArray(fields, 'daemons', 'queue access') };
}
