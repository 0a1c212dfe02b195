// --repair: carry out each finding's fix while daemons keep running. What
// makes each one safe against a live claimer is said where it is done:
// job records under the job's claim (repair-jobs.ts, job-lock.ts), claims
// and slots with a fenced delete (fenced-delete.ts), names zkjobs never
// writes by plain deletion (no zkjobs program reads or writes them), the
// config and counter by compare-and-set on the version read. Fixes run in
// an order that never deletes what a later fix needs.
import { findPendingSpec } from '../pending-spec.js';
import type { Acl, ZkClient } from '../zk/client.js';
import { NoNodeError } from '../zk/errors.js';
import type { Paths } from '../zk/paths.js';
import { retry } from '../zk/retry.js';
import { updateData } from '../zk/update.js';
import { aclForNew } from '../acl.js';
import { decodeJsonObject, encodeJson } from '../record.js';
import { checkMaxRunning, type QueueConfig } from '../queue.js';
import { strictConfig } from './walk-queue.js';
import { deleteExamined, deleteTree } from './fenced-delete.js';
import { withJobLock } from './job-lock.js';
import { describeCommand, parseJobSpec } from '../job-spec.js';
import type { JobId } from '../job-id.js';
import { judgeCounter, parseCounterText } from './counter.js';
import { MAX_SEQ } from './names.js';
import { MAX_LIST } from './bounded.js';
import type { Change, Finding, Fix } from './finding.js';

export interface RepairOptions {
  /** Lower a counter only when it has not changed for this long (ms): no reservation is then in flight. */
  counterQuietMs: number;
}

// A stranger's claim goes before the cleanup of its job: the cleanup takes the job's claim.
const ORDER: Fix['op'][] = ['set-acl', 'create-parent', 'rewrite-config', 'delete-examined', 'finish-cleanup', 'delete-tree', 'set-counter'];

export function repairOrder(findings: Finding[]): Finding[] {
  const rank = (f: Finding) => (f.fix ? ORDER.indexOf(f.fix.op) + (f.fix.op === 'delete-tree' && f.fix.onlyIfEmpty ? 0.5 : 0) : ORDER.length);
  return findings.filter((f) => f.fix).sort((a, b) => rank(a) - rank(b));
}

export async function repair(zk: ZkClient, paths: Paths, finding: Finding, options: RepairOptions): Promise<Change> {
  const action = await apply(zk, paths, finding, options);
  return { queue: finding.queue, kind: finding.kind, znode: finding.znode, job: finding.job, action, done: !/^skipped/.test(action) };
}

async function apply(zk: ZkClient, paths: Paths, finding: Finding, options: RepairOptions): Promise<string> {
  const fix = finding.fix!;
  const queue = finding.queue;
  switch (fix.op) {
    case 'finish-cleanup':
      return (await withJobLock(zk, paths, { queue, seq: fix.seq }, () => finishCleanup(zk, paths, { queue, seq: fix.seq })))
        ?? 'skipped: the job is claimed; its holder will finish the cleanup';
    case 'delete-examined':
      return { deleted: 'deleted', gone: 'already gone', replaced: 'skipped: it was replaced meanwhile; run check again' }[await deleteExamined(zk, fix.path, fix.was)];
    case 'delete-tree':
      return deleteStray(zk, fix.path, fix.onlyIfEmpty ?? false, fix.show ?? false);
    case 'create-parent':
      return (await retry(async () => zk.createIfAbsent(fix.path, '', 'persistent', await aclForNew(zk, paths, queue)))) ? 'created' : 'already there';
    case 'rewrite-config':
      return rewriteConfig(zk, paths.queue(queue));
    case 'set-counter':
      return setCounter(zk, paths.counter(queue), fix.to, fix.lower, options.counterQuietMs);
    case 'set-acl':
      return setAcl(zk, fix.path, fix.acl);
  }
}

/** Right for whatever znode is at the path now (walk: openAclFinding), so no fencing. */
async function setAcl(zk: ZkClient, path: string, acl: Acl[]): Promise<string> {
  try {
    await retry(() => zk.setAcl(path, acl));
    // Which ACL the finding's repair said: a lock's, nodes/'s or the drains' differ.
    return 'ACL set';
  } catch (err) {
    if (err instanceof NoNodeError) return 'already gone';
    throw err;
  }
}

/**
 * A result beside a pending spec: the result stands, delete the spec
 * (the publish multi's delete, complete.ts), as the next claimer would. Done under the job's
 * claim (job-lock.ts), so no daemon is starting or cleaning it meanwhile.
 */
async function finishCleanup(zk: ZkClient, paths: Paths, id: JobId): Promise<string> {
  if (!(await retry(() => zk.exists(paths.result(id.queue, id.seq))))) return 'nothing to do: the result is gone';
  const spec = await retry(() => findPendingSpec(zk, paths, id));
  return spec && (await retry(() => zk.deleteIfExists(spec))) ? 'deleted the pending spec' : 'already cleaned up';
}

async function deleteStray(zk: ZkClient, path: string, onlyIfEmpty: boolean, show: boolean): Promise<string> {
  const node = await retry(() => zk.getOrNull(path));
  if (!node) return 'already gone';
  if (onlyIfEmpty && node.stat.numChildren > 0) return 'skipped: jobs are still in it';
  if (!(await deleteTree(zk, path, MAX_LIST))) return 'skipped: too much under it to delete safely; remove it by hand';
  return show ? `deleted; it held ${describeRecord(node.data)}` : 'deleted';
}

/** A spec's command, for the operator to submit again; else the first bytes. */
function describeRecord(data: Buffer): string {
  try {
    return `the command: ${describeCommand(parseJobSpec(data))}`;
  } catch {
    return `no readable spec: ${JSON.stringify(data.subarray(0, 80).toString('latin1'))}`;
  }
}

/**
 * Keep what reads, make the rest safe: a "paused" that is not exactly
 * false or absent pauses the queue (someone meant to stop it), and an
 * unreadable limit pauses it too rather than lift the limit. Written at
 * the version read: a pause or limit set meanwhile wins, and we stop.
 */
export function salvageConfig(data: Buffer): QueueConfig {
  let fields: Record<string, unknown>;
  try {
    fields = decodeJsonObject(data, 'queue config', 64 * 1024);
  } catch {
    return { paused: true, maxRunning: null };
  }
  let maxRunning: number | null = null;
  let limitUnreadable = false;
  if (fields.maxRunning !== undefined && fields.maxRunning !== null) {
    try {
      maxRunning = checkMaxRunning(fields.maxRunning as number);
    } catch {
      limitUnreadable = true;
    }
  }
  const paused = !(fields.paused === undefined || fields.paused === false) || limitUnreadable;
  return { paused, maxRunning };
}

async function rewriteConfig(zk: ZkClient, path: string): Promise<string> {
  let written: QueueConfig | null = null;
  return retry(() => updateData(zk, path, (node) => {
    if (!node) return { value: 'skipped: the queue is gone' };
    if (readable(node.data)) {
      // Fine now: someone fixed it, or this is our own write whose reply was lost.
      return { value: written ? rewritten(written) : 'nothing to do: it reads fine now' };
    }
    written = salvageConfig(node.data);
    return { data: encodeJson(written), value: rewritten(written) };
  }));
}

function readable(data: Buffer): boolean {
  try {
    strictConfig(data);
    return true;
  } catch {
    return false;
  }
}

function rewritten(config: QueueConfig): string {
  return `rewritten as ${JSON.stringify(config)}${config.paused ? " (resume it with 'zkjobq resume' once you have looked)" : ''}`;
}

/**
 * Submits reserve numbers by compare-and-set on the counter's version
 * (updateData), so our set at the version read either lands before a
 * reservation, which then reads ours, or fails and is judged again from a
 * fresh read. Raising never hands out a number twice. Lowering could hand
 * out again numbers a submit reserved but has not used yet, so it is done
 * only when the counter has not changed for quietMs (a reservation's spec
 * is created within seconds of it; a batch fed slowly on its standard
 * input is the exception, which is why this is an option).
 */
async function setCounter(zk: ZkClient, path: string, to: number, lower: boolean, quietMs: number): Promise<string> {
  let written: string | null = null;
  return retry(() => updateData(zk, path, (node) => {
    if (!node) return { value: 'skipped: the queue has no counter' };
    const text = node.data.toString('latin1');
    const now = parseCounterText(text);
    const verdict = judgeCounter(text, to, MAX_SEQ);
    if (verdict.kind === 'ok' || (!lower && now !== null && now >= to)) return { value: written ?? 'nothing to do: it is fine now' };
    if (lower) {
      if (verdict.kind !== 'ahead') return { value: 'skipped: it changed meanwhile; run check again' };
      const quietFor = Date.now() - node.stat.mtime.getTime();
      if (quietFor < quietMs) return { value: `skipped: it changed ${Math.round(quietFor / 1000)} s ago, and a submit may still use its numbers (see --counter-quiet)` };
    }
    written = `set from ${now ?? JSON.stringify(text.slice(0, 40))} to ${to}`;
    return { data: String(to), value: written };
  }));
}
