// Where a job stands, derived from the znodes alone: a result means it is
// finished; a spec with a claim means running; a spec alone means pending.
// The result is read first because completion publishes it before the
// spec is deleted: reading in the other order could miss a finishing job.
// A claim no session holds (a persistent node, see stray-claims.ts) is not
// a claim: the job is pending, and the status says what was found.
// A claim made ahead of need (daemon/claimed-ahead.ts) says so: the job is
// pending, claimed ahead by its node, until that node's record lists it as
// running (the record is rewritten at most a second after a start, so a
// job just started may show as pending for that second, never the reverse).
import type { Paths } from './zk/paths.js';
import type { Stat, ZkClient } from './zk/client.js';
import { isEphemeral } from './zk/ephemeral.js';
import { retry } from './zk/retry.js';
import { formatJobId, type JobId } from './job-id.js';
import { endedHow, parseResult, type JobResult, type TerminalState } from './result.js';
import { runsInSpec, type Run } from './attempt-history.js';
import { parseClaimRecord, type ClaimRecord } from './claim.js';
import { parseJobSpec, type JobSpec } from './job-spec.js';
import { clientTrust, distrustOf } from './authorized-daemons.js';
import { readPendingSpec } from './pending-spec.js';
import { parseNodeRecord, type NodeRecord } from './node-record.js';

/** `forged?`: a result no daemon listed in authorized_daemons wrote; its claims are shown, never believed. */
export type JobState = 'pending' | 'running' | TerminalState | 'forged?';

export interface JobStatus {
  id: string;
  state: JobState;
  /** Node running it (running) or that recorded its result (finished). */
  node: string | null;
  /** Attempts so far: the spec's version while pending or running. */
  attempt: number;
  spec: JobSpec | null;
  result: JobResult | null;
  claim: ClaimRecord | null;
  /** When it was submitted, from the spec znode. */
  createdAt: Date | null;
  /** Why a record could not be read, if one could not. */
  problem: string | null;
  /** Why the result is not believed (authorized-daemons.ts); null when it is, or when there is no trust file. */
  unverified: string | null;
  /** Why a pending job has not started (pending-reason.ts); null for other states, or when not worked out. */
  reason: string | null;
  /** Held by an operator (zkjobq hold): no daemon claims it until released. */
  held: boolean;
  /** Every attempt so far, like sacct's steps (attempt-history.ts). */
  history: Run[];
}

export function jobStatus(zk: ZkClient, paths: Paths, id: JobId): Promise<JobStatus | null> {
  return retry(() => readStatus(zk, paths, id));
}

async function readStatus(zk: ZkClient, paths: Paths, id: JobId): Promise<JobStatus | null> {
  const resultNode = await zk.getOrNull(paths.result(id.queue, id.seq));
  if (resultNode) return finishedStatus(id, resultNode.data);
  const specNode = await readPendingSpec(zk, paths, id);
  if (!specNode) {
    // It may have finished between the two reads.
    const late = await zk.getOrNull(paths.result(id.queue, id.seq));
    return late ? finishedStatus(id, late.data) : null;
  }
  const claimNode = await zk.getOrNull(paths.claim(id.queue, id.seq));
  const status = unfinishedStatus(id, specNode.data, specNode.stat.version, specNode.stat.ctime, claimNode, new Date(), specNode.held);
  // Only for a job claimed ahead: one read of its node's record.
  if (status.claim?.ahead && status.state === 'pending') markStartedAhead(status, await readRecord(zk, paths, status.claim.node));
  return status;
}

/** A job claimed ahead that its node's record lists as running has started: running, on that node. */
export function markStartedAhead(status: JobStatus, record: NodeRecord | null): void {
  if (status.claim?.ahead && status.state === 'pending' && record?.running.includes(status.id)) status.state = 'running';
}

async function readRecord(zk: ZkClient, paths: Paths, node: string): Promise<NodeRecord | null> {
  const data = await zk.getOrNull(paths.node(node)).catch(() => null);
  try {
    return data ? parseNodeRecord(data.data) : null;
  } catch {
    return null; // unreadable: the job is shown as claimed ahead, not as running
  }
}

export function finishedStatus(id: JobId, data: Buffer): JobStatus {
  const status = emptyStatus(id);
  const trust = clientTrust(); // an unreadable trust file fails the command, not this one job
  try {
    const result = parseResult(data);
    const unverified = distrustOf(data, id, result, trust);
    // A job cancelled before it started ran on no node: the canceller's name in the result is not one.
    return { ...status, state: unverified ? 'forged?' : result.state, node: result.startedAt === null && result.state === 'cancelled' ? null : result.node, attempt: result.attempt, spec: result.spec, result, unverified, history: resultHistory(result) };
  } catch (err) {
    return { ...status, state: 'failed', problem: (err as Error).message };
  }
}

/** `held`: the spec is in a held bucket (hold.ts); while a claim is taken (moving it, cancelling it) it is not held but busy. */
export function unfinishedStatus(id: JobId, spec: Buffer, version: number, ctime: Date, claim: { data: Buffer; stat: Stat } | null, now = new Date(), held = false): JobStatus {
  const status: JobStatus = { ...emptyStatus(id), attempt: version, createdAt: ctime };
  try {
    status.spec = parseJobSpec(spec);
  } catch (err) {
    status.problem = (err as Error).message;
  }
  status.history = runsInSpec(spec);
  if (claim && !isEphemeral(claim.stat)) status.problem = 'persistent claim ignored: no session holds it, so nothing runs the job';
  else if (claim) {
    status.state = 'running';
    try {
      status.claim = parseClaimRecord(claim.data);
      status.node = status.claim.node;
      // A failed attempt waiting to run again keeps its claim, but nothing runs (daemon/job-table.ts);
      // nor does a job claimed ahead, until its node says it started (markStartedAhead).
      if (inBackoff(status.claim, now) || status.claim.ahead) status.state = 'pending';
    } catch (err) {
      status.problem = (err as Error).message;
    }
  }
  status.held = held && status.state === 'pending' && status.claim === null;
  return status;
}

/** A result's attempts: its own history, or the one attempt it describes. */
function resultHistory(r: JobResult): Run[] {
  if (r.history) return r.history;
  if (r.startedAt === null) return [];
  return [{ attempt: r.attempt, node: r.node, startedAt: r.startedAt, endedAt: r.finishedAt, exitCode: r.exitCode, signal: r.signal, ended: r.state === 'failed' ? endedHow(r) : r.state }];
}

function inBackoff(claim: ClaimRecord, now: Date): boolean {
  return claim.retryAt !== undefined && Date.parse(claim.retryAt) > now.getTime();
}

function emptyStatus(id: JobId): JobStatus {
  return { id: formatJobId(id), state: 'pending', node: null, attempt: 0, spec: null, result: null, claim: null, createdAt: null, problem: null, unverified: null, reason: null, held: false, history: [] };
}
