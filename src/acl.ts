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

/** An identity as given to --submitters etc.: a digest id user:HASH (from `zkjobq digest`). */
export function checkIdentity(id: string): string {
  if (!/^[^:,\s]+:[A-Za-z0-9+/]{27}=$/.test(id)) throw new DataError(`invalid identity '${id}': expected USER:DIGEST as printed by 'zkjobq digest'`);
  return id;
}

const WORLD_READ: Acl = { perms: PERM.READ, scheme: 'world', auth: 'anyone' };

function grant(ids: string[], perms: number): Acl[] {
  return ids.map((auth) => ({ perms, scheme: 'digest', auth }));
}

/** The queue's config node: admins change it (pause), daemons and everyone read it. */
export function queueNodeAcl(a: QueueAccess): Acl[] {
  return [...grant(a.admins, PERM.ALL), WORLD_READ];
}

/** The sequence counter: submitters take numbers. */
export function counterAcl(a: QueueAccess): Acl[] {
  return [...grant(a.admins, PERM.ALL), ...grant(a.submitters, PERM.READ | PERM.WRITE), ...grant(a.daemons, PERM.READ), WORLD_READ];
}

/** pending, claims, results, cancels and everything below them. */
export function jobsAcl(a: QueueAccess): Acl[] {
  const submit = PERM.READ | PERM.CREATE | PERM.WRITE;
  const work = PERM.READ | PERM.CREATE | PERM.WRITE | PERM.DELETE;
  return [...grant(a.admins, PERM.ALL), ...grant(a.daemons, work), ...grant(a.submitters, submit), WORLD_READ];
}

/** The access znode itself: its identities may read it, admins change it. */
export function accessAcl(a: QueueAccess): Acl[] {
  return [...grant(a.admins, PERM.ALL), ...grant([...a.submitters, ...a.daemons], PERM.READ)];
}

const queueAcls = new WeakMap<ZkClient, Map<string, Acl[] | null>>();

/** The ACL for new znodes of `queue`: undefined (open) unless the queue is restricted. Cached per client; run under `retry` by the create that needs it. */
export async function aclForNew(zk: ZkClient, paths: Paths, queue: string): Promise<Acl[] | undefined> {
  let cache = queueAcls.get(zk);
  if (!cache) queueAcls.set(zk, (cache = new Map()));
  if (!cache.has(queue)) {
    const node = await zk.getOrNull(paths.access(queue));
    cache.set(queue, node ? jobsAcl(parseAccess(node.data)) : null);
  }
  return cache.get(queue) ?? undefined;
}

export function parseAccess(data: Buffer): QueueAccess {
  const fields = decodeJsonObject(data, 'queue access', 64 * 1024);
  rejectUnknownFields(fields, ['submitters', 'admins', 'daemons'], 'queue access');
  return { submitters: stringArray(fields, 'submitters', 'queue access'), admins: stringArray(fields, 'admins', 'queue access'), daemons: stringArray(fields, 'daemons', 'queue access') };
}
