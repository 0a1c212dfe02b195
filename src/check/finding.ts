// What `zkjobq check` reports: one finding per inconsistency, naming the
// znode and the job it concerns, and what --repair does about it; and one
// change per thing --repair did. Plain data: the CLI prints it.
import type { Acl, Stat } from '../zk/client.js';

export const FINDING_KINDS = [
  'queue-bad-name', 'queue-incomplete', 'parent-missing', 'config-unparseable',
  'counter-unparseable', 'counter-behind', 'counter-ahead',
  'bad-name', 'alias', 'misplaced', 'too-many-children',
  'spec-unparseable', 'spec-duplicate', 'result-unparseable', 'result-with-pending-spec',
  'claim-persistent', 'claim-unparseable', 'claim-without-spec', 'claim-with-result', 'claim-not-daemon',
  'slot-persistent', 'slot-not-daemon', 'slot-over-limit', 'cancel-stale',
  'claim-open-acl', 'slot-open-acl', 'node-open-acl', 'nodes-open-acl',
  'drains-open-acl', 'drain-open-acl', 'drain-bad-name', 'drain-unparseable',
] as const;

export type FindingKind = (typeof FINDING_KINDS)[number];

/** The znode as it was examined: a repair acts only on that very znode (see fenced-delete.ts). */
export interface Examined {
  czxid: number;
  version: number;
  ephemeralOwner: string;
}

export function examined(stat: Stat): Examined {
  return { czxid: stat.czxid, version: stat.version, ephemeralOwner: stat.ephemeralOwner };
}

/** What --repair will do; the repairs themselves are in repair.ts, each with its race argument. */
export type Fix =
  | { op: 'delete-tree'; path: string; onlyIfEmpty?: boolean; /** say what the znode held, in the change */ show?: boolean }
  | { op: 'delete-examined'; path: string; was: Examined }
  | { op: 'finish-cleanup'; seq: number }
  | { op: 'rewrite-config' }
  | { op: 'set-counter'; to: number; lower: boolean }
  | { op: 'create-parent'; path: string }
  | { op: 'set-acl'; path: string; acl: Acl[] };

export interface Finding {
  queue: string;
  kind: FindingKind;
  /** The znode, relative to the queue's (e.g. "pending/0000000000/01"); "" for the queue znode itself. */
  znode: string;
  /** "queue/0000000042", or null when no single job is concerned. */
  job: string | null;
  problem: string;
  /** What --repair does, in words ("none: …" when it does nothing). */
  repair: string;
  fix: Fix | null;
  /** Transient in normal operation: reported only if it is still there after the settle time. */
  transient?: { recheck: () => Promise<Finding[]>; seenAt: number };
}

export interface Change {
  queue: string;
  kind: FindingKind;
  znode: string;
  job: string | null;
  /** What was done, or why nothing was ("skipped: …"). */
  action: string;
  done: boolean;
}
