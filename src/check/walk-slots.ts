// A limited queue's run slots (run-slots.ts): ephemeral znodes named 0 …
// limit−1, each held by the daemon running one of the queue's jobs. Any
// other name, a persistent slot, or one held by a session that is no
// daemon's takes a place that no job uses: the queue runs fewer jobs than
// its limit, or none. A slot at or above the limit is normal for a while
// after the limit was lowered (its job still runs): it is rechecked, and
// left to its daemon if one holds it.
import { retry } from '../zk/retry.js';
import { pipelined } from '../pipeline.js';
import { exactSlot } from './names.js';
import { WINDOW } from './bounded.js';
import { daemonSessions, openAclFinding, rel, type QueueContext } from './context.js';
import { examined, type Finding, type FindingKind } from './finding.js';
import { listFlat } from './walk-claims.js';

export async function walkSlots(ctx: QueueContext): Promise<void> {
  const names = await listFlat(ctx, ctx.paths.slots(ctx.queue));
  const slots: number[] = [];
  for (const name of names) {
    const k = exactSlot(name);
    if (k !== null) {
      slots.push(k);
      continue;
    }
    const path = ctx.paths.slot(ctx.queue, name);
    ctx.findings.push({
      queue: ctx.queue, kind: 'bad-name', znode: rel(ctx, path), job: null,
      problem: 'slots holds a znode zkjobs never writes: daemons count it as a held slot',
      repair: 'delete it (and anything under it)', fix: { op: 'delete-tree', path },
    });
  }
  for await (const found of pipelined(slots, WINDOW, (k) => examineSlot(ctx, k))) ctx.findings.push(...found);
}

export async function examineSlot(ctx: QueueContext, k: number): Promise<Finding[]> {
  const path = ctx.paths.slot(ctx.queue, k);
  const stat = await retry(() => ctx.zk.exists(path));
  if (!stat) return [];
  const was = examined(stat);
  const byDaemon = ctx.daemons.has(was.ephemeralOwner);
  const finding = (kind: FindingKind, problem: string, transient: boolean): Finding[] => [{
    queue: ctx.queue, kind, znode: rel(ctx, path), job: null, problem,
    repair: byDaemon ? 'none: the daemon holding it gives it back when its job ends' : 'delete it, if it is still the very znode examined',
    fix: byDaemon ? null : { op: 'delete-examined', path, was },
    transient: transient ? { recheck: () => recheckSlot(ctx, k, kind, was.czxid), seenAt: Date.now() } : undefined,
  }];
  if (was.ephemeralOwner === '0') return finding('slot-persistent', 'a persistent slot: no session owns it, so it is never given back', false);
  if (!byDaemon) return finding('slot-not-daemon', `held by session 0x${was.ephemeralOwner}, which is no registered daemon's: no job runs in it`, true);
  if (ctx.limit !== 'unknown' && (ctx.limit === null || k >= ctx.limit)) return finding('slot-over-limit', `slot ${k} is at or above the queue's limit (${ctx.limit ?? 'none'})`, true);
  return openAclFinding(ctx.zk, path, ctx.lockAcl, { queue: ctx.queue, kind: 'slot-open-acl', znode: rel(ctx, path), job: null });
}

async function recheckSlot(ctx: QueueContext, k: number, kind: FindingKind, czxid: number): Promise<Finding[]> {
  ctx.daemons = await daemonSessions(ctx.zk, ctx.paths);
  const again = await examineSlot(ctx, k);
  return again.filter((f) => f.kind === kind && (f.fix?.op !== 'delete-examined' || f.fix.was.czxid === czxid)).map((f) => ({ ...f, transient: undefined }));
}
