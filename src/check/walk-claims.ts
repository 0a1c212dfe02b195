// Claims and cancel requests of a queue. Both parents are flat (one znode
// per running job or request), so each is listed once, bounded. A claim is
// a lock only when it is what a claimer creates: an ephemeral znode named
// exactly for a pending job. Several of the findings below are normal for
// a moment (a claim whose job has just been cleaned up, a CLI's claim
// while it cancels or purges): those are rechecked after the settle time,
// and only the very same znode (same czxid) still there is reported.
import { findPendingSpec } from '../pending-spec.js';
import { retry } from '../zk/retry.js';
import { parseClaimRecord } from '../claim.js';
import { pipelined } from '../pipeline.js';
import { classifyJobName } from './names.js';
import { listBounded, WINDOW } from './bounded.js';
import { daemonSessions, jobOf, openAclFinding, rel, type QueueContext } from './context.js';
import { examined, type Finding, type FindingKind } from './finding.js';

export async function walkClaims(ctx: QueueContext): Promise<void> {
  const names = await listFlat(ctx, ctx.paths.claims(ctx.queue));
  const seqs: number[] = [];
  for (const name of names) {
    const path = `${ctx.paths.claims(ctx.queue)}/${name}`;
    const found = classifyJobName(name);
    if (found.kind === 'exact') seqs.push(found.seq);
    else ctx.findings.push(strayUnder(ctx, path, found.kind === 'alias' ? found.seq : null, 'claims'));
  }
  for await (const found of pipelined(seqs, WINDOW, (seq) => examineClaim(ctx, seq))) ctx.findings.push(...found);
}

export async function walkCancels(ctx: QueueContext): Promise<void> {
  const names = await listFlat(ctx, ctx.paths.cancels(ctx.queue));
  const seqs: number[] = [];
  for (const name of names) {
    const found = classifyJobName(name);
    if (found.kind === 'exact') seqs.push(found.seq);
    else ctx.findings.push(strayUnder(ctx, `${ctx.paths.cancels(ctx.queue)}/${name}`, found.kind === 'alias' ? found.seq : null, 'cancels'));
  }
  for await (const found of pipelined(seqs, WINDOW, (seq) => examineCancel(ctx, seq))) ctx.findings.push(...found);
}

/** A flat parent's names, or none (with a finding) when it holds more than one reply can carry. */
export async function listFlat(ctx: QueueContext, parent: string): Promise<string[]> {
  const listing = await listBounded(ctx.zk, parent);
  if (listing.kind === 'ok') return listing.names;
  if (listing.kind === 'too-many') {
    ctx.findings.push({
      queue: ctx.queue, kind: 'too-many-children', znode: rel(ctx, parent), job: null,
      problem: `${listing.count} children: more than one reply can carry; not checked`,
      repair: 'none: remove the extra znodes by hand (zkCli.sh deleteall)', fix: null,
    });
  }
  return [];
}

export function strayUnder(ctx: QueueContext, path: string, aliasOf: number | null, area: string): Finding {
  return {
    queue: ctx.queue, kind: aliasOf === null ? 'bad-name' : 'alias', znode: rel(ctx, path), job: aliasOf === null ? null : jobOf(ctx, aliasOf),
    problem: aliasOf === null ? `${area} holds a znode zkjobs never writes` : `an alias of job ${jobOf(ctx, aliasOf)}: not a name zkjobs writes, and never a ${area === 'claims' ? 'claim' : 'request'}`,
    repair: 'delete it (and anything under it)', fix: { op: 'delete-tree', path },
  };
}

/** At most one finding per claim, the most telling first. */
export async function examineClaim(ctx: QueueContext, seq: number): Promise<Finding[]> {
  const path = ctx.paths.claim(ctx.queue, seq);
  const [claim, spec, result] = await retry(() =>
    Promise.all([
      ctx.zk.getOrNull(path),
      findPendingSpec(ctx.zk, ctx.paths, { queue: ctx.queue, seq }),
      ctx.zk.exists(ctx.paths.result(ctx.queue, seq)),
    ]),
  );
  if (!claim) return [];
  const was = examined(claim.stat);
  const finding = (kind: FindingKind, problem: string, transient: boolean): Finding[] => {
    const byDaemon = ctx.daemons.has(was.ephemeralOwner);
    return [{
      queue: ctx.queue, kind, znode: rel(ctx, path), job: jobOf(ctx, seq), problem,
      repair: byDaemon ? 'none: a daemon holds it; it goes when that run ends' : 'delete it, if it is still the very znode examined',
      fix: byDaemon ? null : { op: 'delete-examined', path, was },
      transient: transient ? { recheck: () => recheckSame(ctx, seq, kind, was.czxid), seenAt: Date.now() } : undefined,
    }];
  };
  if (was.ephemeralOwner === '0') return finding('claim-persistent', 'a persistent claim: no session owns it, so it never goes away and blocks the job', false);
  if (!spec && !result) return finding('claim-without-spec', 'a claim for a job that has no spec and no result', true);
  if (result) return finding('claim-with-result', 'a claim for a job that already has its result', true);
  if (!ctx.daemons.has(was.ephemeralOwner)) return finding('claim-not-daemon', `held by session 0x${was.ephemeralOwner}, which is no registered daemon's: the job shows as running, and nothing runs it`, true);
  try {
    parseClaimRecord(claim.data);
  } catch (err) {
    return finding('claim-unparseable', `unreadable claim record: ${(err as Error).message}`, false);
  }
  return openAclFinding(ctx.zk, path, ctx.lockAcl, { queue: ctx.queue, kind: 'claim-open-acl', znode: rel(ctx, path), job: jobOf(ctx, seq) });
}

/** The same kind of finding about the same znode, read again with the daemons of now. */
async function recheckSame(ctx: QueueContext, seq: number, kind: FindingKind, czxid: number): Promise<Finding[]> {
  ctx.daemons = await daemonSessions(ctx.zk, ctx.paths);
  const again = await examineClaim(ctx, seq);
  return again.filter((f) => f.kind === kind && (f.fix?.op !== 'delete-examined' || f.fix.was.czxid === czxid)).map((f) => ({ ...f, transient: undefined }));
}

/** A request whose job has ended, or that names no job at all, will never be withdrawn. */
export async function examineCancel(ctx: QueueContext, seq: number): Promise<Finding[]> {
  const path = ctx.paths.cancel(ctx.queue, seq);
  const [request, spec, result] = await retry(() =>
    Promise.all([
      ctx.zk.exists(path),
      findPendingSpec(ctx.zk, ctx.paths, { queue: ctx.queue, seq }),
      ctx.zk.exists(ctx.paths.result(ctx.queue, seq)),
    ]),
  );
  if (!request || (spec && !result)) return [];
  const was = examined(request);
  return [{
    queue: ctx.queue, kind: 'cancel-stale', znode: rel(ctx, path), job: jobOf(ctx, seq),
    problem: result ? 'a cancel request for a job that has ended' : 'a cancel request for a job that does not exist',
    repair: 'delete it', fix: { op: 'delete-examined', path, was },
    transient: {
      recheck: async () => (await examineCancel(ctx, seq)).filter((f) => f.fix?.op === 'delete-examined' && f.fix.was.czxid === was.czxid).map((f) => ({ ...f, transient: undefined })),
      seenAt: Date.now(),
    },
  }];
}
