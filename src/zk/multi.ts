// A multi (ZooKeeper's transaction): several creates, deletes, sets and
// version checks that the server applies all together or not at all, in one
// request, one round trip and one transaction through the leader. The
// `zookeeper` binding has none; patches/zookeeper+7.3.0.patch adds `a_multi`
// over the C client's zoo_amulti, and ZkClient.multi calls it.
//
// What a caller must know:
// - a failing op fails the whole multi: nothing of the others is applied.
//   The error is the failing op's own class (NoNodeError, NodeExistsError,
//   BadVersionError, NoAuthError…), with its path, and says which op it was
//   (`multiOp`), so callers branch on it as on a single request;
// - a lost connection leaves the multi applied entirely or not at all, and
//   the caller does not know which: a retry must first find out, from what
//   the multi would have changed, as after any lost write (docs/protocol.md);
// - one session's requests are applied in the order sent, a multi among them.
import type { Acl, CreateMode, Stat } from './client.js';
import { zkErrorFromCode, type ZkError, type ZkOperation } from './errors.js';

/** One op of a multi. A version of -1 matches any version (a check then only asks that the node exist). */
export type MultiOp =
  | { op: 'create'; path: string; data: Buffer | string; mode?: CreateMode; acl?: readonly Acl[] }
  | { op: 'delete'; path: string; version?: number }
  | { op: 'set'; path: string; data: Buffer | string; version?: number }
  | { op: 'check'; path: string; version: number };

/** What each op did, in the order of the ops: the created name, the new stat of a set. */
export type MultiResult = { op: 'create'; path: string } | { op: 'delete' } | { op: 'set'; stat: Stat } | { op: 'check' };

/** The op that made a multi fail: its index in the ops and its kind (its path is the error's). */
export interface FailedMultiOp {
  index: number;
  op: MultiOp['op'];
}

/** The shape a_multi takes (see the patch). */
export interface NativeMultiOp {
  op: MultiOp['op'];
  path: string;
  data?: Buffer | string;
  flags?: number;
  acl?: { perm: number; scheme: string; auth: string }[];
  version?: number;
}

/** What a_multi reports per op. */
export interface NativeMultiResult {
  err: number;
  path?: string;
  stat?: Stat;
}

/** ZRUNTIMEINCONSISTENCY: the op was not tried because an earlier one failed. */
const NOT_TRIED = -2;

const OPERATION: Record<MultiOp['op'], ZkOperation> = { create: 'create', delete: 'delete', set: 'write', check: 'read' };

export function toNativeOps(ops: readonly MultiOp[], flags: Record<CreateMode, number>): NativeMultiOp[] {
  return ops.map((o) => {
    switch (o.op) {
      case 'create':
        return {
          op: 'create',
          path: o.path,
          data: o.data,
          flags: flags[o.mode ?? 'persistent'],
          acl: o.acl?.map((a) => ({ perm: a.perms, scheme: a.scheme, auth: a.auth })),
        };
      case 'delete':
        return { op: 'delete', path: o.path, version: o.version ?? -1 };
      case 'set':
        return { op: 'set', path: o.path, data: o.data, version: o.version ?? -1 };
      case 'check':
        return { op: 'check', path: o.path, version: o.version };
    }
  });
}

export function fromNativeResults(ops: readonly MultiOp[], results: NativeMultiResult[]): MultiResult[] {
  return ops.map((o, i) => {
    const r = results[i];
    if (o.op === 'create') return { op: 'create', path: String(r?.path ?? o.path) };
    if (o.op === 'set') return { op: 'set', stat: r?.stat as Stat };
    return { op: o.op };
  });
}

/**
 * The error of a failed multi. An error a server gave names the first op
 * that failed (the others were not applied); anything else (connection
 * loss, expiry, closing) concerns the whole multi, named by its first path.
 */
export function multiError(ops: readonly MultiOp[], rc: number, text: string | undefined, results: NativeMultiResult[] | undefined): ZkError {
  const index = results?.findIndex((r) => r.err !== 0 && r.err !== NOT_TRIED && r.err === rc) ?? -1;
  if (index < 0) {
    const what = ops.map((o) => `${o.op} ${o.path}`).join(', ');
    return zkErrorFromCode(rc, ops[0]?.path ?? '/', `${text ?? 'zookeeper error'} in a multi (${what})`);
  }
  const op = ops[index]!;
  const err = zkErrorFromCode(rc, op.path, `${text ?? 'zookeeper error'} in op ${index + 1} of ${ops.length} (${op.op}) of a multi that applied nothing`, OPERATION[op.op]);
  err.multiOp = { index, op: op.op };
  return err;
}
