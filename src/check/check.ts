// zkjobq check: an fsck for a zkjobs tree. For each queue: walk it (walk-*.ts),
// give the findings that are normal for a moment the settle time and keep
// those still there, report them, and with repair carry out their fixes
// (repair.ts). Daemons may keep running throughout: the walk only reads,
// and every repair is safe against a live claimer.
import type { ZkClient } from '../zk/client.js';
import type { Paths } from '../zk/paths.js';
import { retry } from '../zk/retry.js';
import { checkQueueName } from '../job-id.js';
import { noSuchQueue } from '../queue.js';
import { NoAuthError } from '../zk/errors.js';
import { NotAuthorizedError } from '../errors.js';
import { listBounded } from './bounded.js';
import { daemonSessions, expectedLockAcl, type QueueContext } from './context.js';
import { walkQueue } from './walk-queue.js';
import { FLEET, walkNodes } from './walk-nodes.js';
import { walkDrains } from './walk-drains.js';
import { repair, repairOrder } from './repair.js';
import type { Change, Finding } from './finding.js';

export interface CheckOptions {
  repair: boolean;
  /** How long a finding that is normal for a moment must last to be reported (ms). Default 2000. */
  settleMs: number;
  /** See RepairOptions.counterQuietMs. */
  counterQuietMs: number;
  onFinding: (f: Finding) => void;
  onChange: (c: Change) => void;
}

export interface CheckSummary {
  queues: number;
  found: number;
  repaired: number;
}

/** Check the named queues, or every queue when `queues` is empty. */
export async function checkTree(zk: ZkClient, paths: Paths, queues: string[], options: CheckOptions): Promise<CheckSummary> {
  const summary: CheckSummary = { queues: 0, found: 0, repaired: 0 };
  const names = queues.length > 0 ? queues.map(checkQueueName) : await allQueues(zk, paths, options, summary);
  // The node records and drains belong to no queue: checked when the whole tree is.
  if (queues.length === 0) await report(zk, paths, [...(await walkNodes(zk, paths)), ...(await walkDrains(zk, paths))], options, summary);
  for (const queue of names) {
    if (!(await retry(() => zk.exists(paths.queue(queue))))) {
      if (queues.length > 0) throw noSuchQueue(queue);
      continue; // deleted since it was listed
    }
    summary.queues++;
    await report(zk, paths, await checkQueue(zk, paths, queue, options.settleMs), options, summary);
  }
  return summary;
}

/** Hand the findings on, and with --repair carry out their fixes. */
async function report(zk: ZkClient, paths: Paths, findings: Finding[], options: CheckOptions, summary: CheckSummary): Promise<void> {
  findings.forEach(options.onFinding);
  summary.found += findings.length;
  if (!options.repair) return;
  for (const finding of repairOrder(findings)) {
    const change = await repairOrRefuse(zk, paths, finding, options);
    options.onChange(change);
    if (change.done) summary.repaired++;
  }
}

/** A repair ZooKeeper refuses for want of rights ends the run with exit 77, naming what it was. */
async function repairOrRefuse(zk: ZkClient, paths: Paths, finding: Finding, options: CheckOptions): Promise<Change> {
  try {
    return await repair(zk, paths, finding, options);
  } catch (err) {
    if (!(err instanceof NoAuthError)) throw err;
    const where = `${finding.queue}${finding.znode ? `/${finding.znode}` : ''}`;
    const whose = finding.queue === FLEET ? "the fleet's" : "the queue's";
    throw new NotAuthorizedError(`not authorized to repair ${where} (${finding.kind}): repairs need ${whose} admin identity (--zk-auth-file)`, { cause: err });
  }
}

/** Every queue znode; names that are not queue names are findings, left alone. */
async function allQueues(zk: ZkClient, paths: Paths, options: CheckOptions, summary: CheckSummary): Promise<string[]> {
  const listing = await listBounded(zk, paths.queues());
  if (listing.kind !== 'ok') return [];
  const good: string[] = [];
  for (const name of listing.names.sort()) {
    try {
      good.push(checkQueueName(name));
    } catch (err) {
      summary.found++;
      options.onFinding({
        queue: name, kind: 'queue-bad-name', znode: '', job: null, problem: (err as Error).message,
        repair: 'none: no zkjobs program serves it; remove it by hand if it is junk', fix: null,
      });
    }
  }
  return good;
}

export async function checkQueue(zk: ZkClient, paths: Paths, queue: string, settleMs: number): Promise<Finding[]> {
  const ctx: QueueContext = { zk, paths, queue, limit: null, daemons: await daemonSessions(zk, paths), lockAcl: await expectedLockAcl(zk, paths, queue), highest: 0, findings: [] };
  await walkQueue(ctx);
  return settle(ctx.findings, settleMs);
}

/**
 * Findings that normal operation makes for a moment (a claim whose job was
 * just cleaned up, a result whose spec is being deleted) are read again
 * once settleMs has passed since the last of them was seen, and kept only
 * if still there. Only a walk that saw one pays the wait.
 */
async function settle(findings: Finding[], settleMs: number): Promise<Finding[]> {
  const transient = findings.filter((f) => f.transient);
  if (transient.length === 0) return findings;
  const lastSeen = transient.reduce((t, f) => Math.max(t, f.transient!.seenAt), 0);
  const wait = lastSeen + settleMs - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const kept = findings.filter((f) => !f.transient);
  for (const f of transient) kept.push(...(await f.transient!.recheck()));
  return kept;
}
