// The jobs a daemon holds claims for: running, waiting to retry, and results
// waiting to be published. Every result goes out through publish(), whose
// one multi applies only while our claim is still ours (complete.ts: the
// claiming session, the spec at our attempt's version), or waits in the
// spool while the connection is down.
//
// A slot is free the moment its job's processes have exited: the result is
// published alongside (publishing), while the next job already runs. The
// claim stays ours until the result is out, so the node may hold up to
// three times its slots in claims: `slots` running, up to `slots` claimed
// ahead, and up to `slots` finished ones waiting on ZooKeeper (the daemon
// stops claiming past that), so a slow ZooKeeper cannot pile up finished
// jobs without bound.
//
// Jobs claimed ahead of need (claimed-ahead.ts) are held here too: the
// daemon starts them when a slot frees; a cancel ends them without a run,
// and a fence, a stop or a drain releases them with the waiting retries.
//
// Retries keep the claim: a failed attempt with retries left is not a
// result; the job waits (without a slot) for its backoff, the attempt is
// counted on the spec znode, and it runs again here. If this daemon dies
// meanwhile, the claim dies with its session and a peer goes on counting.
import type { Logger } from '../log.js';
import type { ZkClient } from '../zk/client.js';
import type { Paths } from '../zk/paths.js';
import { retry } from '../zk/retry.js';
import { deleteIfOwned, setIfOwned } from '../zk/ephemeral.js';
import { encodeJson } from '../record.js';
import { bumpAttempt, type ClaimedJob, type ClaimRecord } from '../claim.js';
import { specForAttempt } from '../attempt-record.js';
import { publishResult, type ClaimHold } from '../complete.js';
import { readCancelRequest } from '../cancel.js';
import { formatJobId, type JobId } from '../job-id.js';
import { endedHow, type JobResult } from '../result.js';
import { failedWithoutRun, RefusedJob, resultOfRun, retryDelay, runRequestFor } from './execution.js';
import type { RunningProcess } from './runner.js';
import type { Spawner } from './spawner.js';
import type { PolicySource } from './queue-policy.js';
import { shouldMail, type Mailer } from './mailer.js';
import type { NodeMetrics } from './node-metrics.js';
import type { ResultSigner } from '../node-key.js';
import { ClaimedAhead } from './claimed-ahead.js';

export interface JobTableContext {
  zk: () => ZkClient;
  paths: Paths;
  nodeId: string;
  killGraceMs: number;
  policies: PolicySource;
  log: Logger;
  /** Called whenever a slot frees or the set of running jobs changes. */
  changed: () => void;
  /** Our claim on the job is over (result published, or claim released): its run slot may go. */
  claimEnded: (id: JobId) => void;
  /** Sends failure reports, when SMTP is configured. */
  mailer: Mailer | null;
  /** Full output of each job goes here (see output-spool.ts). */
  spoolDir: string;
  spoolMaxBytes: number;
  /** Counts starts and results for /metrics and the node record's activity. */
  metrics?: NodeMetrics;
  /** Signs each result with the node key, so that clients can tell ours from forged ones. */
  sign: ResultSigner;
  /** Starts jobs in the daemon's job runner process. */
  spawner: Spawner;
  /** Claims were given up outside a fence (the job runner died): release them now. */
  released: () => void;
}

interface RunningJob {
  job: ClaimedJob;
  process: RunningProcess;
  /** Our claim is gone or doubtful: throw the result away. */
  lost: boolean;
  /** Killed because the daemon stops (said once when killed): its end needs no warning. */
  stopped?: boolean;
  cancelled: boolean;
  finished: Promise<void>;
}

export class JobTable {
  private running = new Map<string, RunningJob>();
  /** Jobs whose processes have exited and whose results are being published: no slot, but still our claim. */
  private publishing = new Map<string, RunningJob>();
  private retrying = new Map<string, { job: ClaimedJob; timer: NodeJS.Timeout; failed: JobResult }>();
  /** Retries whose backoff is over, waiting for a free slot. */
  readonly ready: ClaimedJob[] = [];
  /** Jobs claimed ahead of need, waiting for a free slot (claimed-ahead.ts). */
  readonly ahead = new ClaimedAhead();
  /** Results finished while disconnected, waiting for the connection. */
  private spool: { id: JobId; result: JobResult; hold: ClaimHold }[] = [];
  /** Claims of jobs we gave up while disconnected: release them once back. */
  private abandoned: JobId[] = [];

  constructor(private readonly ctx: JobTableContext) {}

  /** Jobs whose processes run: what the node's slots count. */
  get size(): number {
    return this.running.size;
  }

  /** Slots taken by running jobs: a job asking --cpus N takes N. */
  slotsInUse(): number {
    let n = 0;
    for (const entry of this.running.values()) n += entry.job.requirements.cpus;
    return n;
  }

  /** Bytes of memory the running jobs asked for (--mem). */
  memAsked(): number {
    let n = 0;
    for (const entry of this.running.values()) n += entry.job.requirements.mem;
    return n;
  }

  /** Finished jobs whose results are not out yet. */
  get publishingCount(): number {
    return this.publishing.size;
  }

  ids(): string[] {
    return [...this.running.keys()];
  }

  /**
   * True while this node holds the job's claim: running, publishing,
   * waiting to retry, ready to start again, or claimed ahead. Its spec stays
   * listed until the result is out, and a claimer passes over it (claim.ts).
   */
  holdsClaim(id: JobId): boolean {
    const key = formatJobId(id);
    return this.running.has(key) || this.publishing.has(key) || this.retrying.has(key) || this.ahead.has(id) || this.ready.some((job) => formatJobId(job.id) === key);
  }

  isRunning(id: JobId): boolean {
    return this.running.has(formatJobId(id));
  }

  private fields(id: JobId): Record<string, unknown> {
    return { job: formatJobId(id), queue: id.queue, node: this.ctx.nodeId };
  }

  start(job: ClaimedJob): void {
    const fields = { ...this.fields(job.id), attempt: job.attempt };
    if (!job.spec) {
      this.ctx.log.warn('bad job spec; failing the job', { ...fields, reason: job.specError });
      return this.publishInBackground(job, failedWithoutRun(`bad job spec: ${job.specError}`, this.ctx.nodeId, job));
    }
    let request;
    try {
      request = runRequestFor(job, this.ctx.policies(job.id.queue), this.ctx.nodeId, this.ctx.killGraceMs);
    } catch (err) {
      if (!(err instanceof RefusedJob)) throw err;
      this.ctx.log.warn('job refused', { ...fields, reason: err.message });
      return this.publishInBackground(job, failedWithoutRun(err.message, this.ctx.nodeId, job));
    }
    const owner = request.uid !== undefined ? { uid: request.uid, gid: request.gid ?? request.uid } : null;
    const process = this.ctx.spawner.start(job.id, request, { dir: this.ctx.spoolDir, maxBytes: this.ctx.spoolMaxBytes, owner });
    const uid = request.uid ?? globalThis.process.getuid?.();
    void process.started.then((pids) => this.ctx.log.info('job started', { ...fields, pids: pids.join(','), uid, argv: job.spec!.argv, ...(job.spec!.pipeline ? { pipeline: job.spec!.pipeline.map((stage) => stage.join(' ')).join(' | ') } : {}) }));
    const entry: RunningJob = { job, process, lost: false, cancelled: false, finished: Promise.resolve() };
    entry.finished = process.done.then(async (outcome) => {
      // Every stage has exited (the runner closed the spool files first):
      // the slot is free now, not once the result is out.
      this.exited(entry);
      if (outcome.runnerDied) this.runnerDied(entry);
      await this.finish(entry, resultOfRun(outcome, this.ctx.nodeId, job, entry.cancelled));
    });
    this.running.set(formatJobId(job.id), entry);
    this.ctx.metrics?.jobStarted(job.id.queue);
    this.ctx.changed();
  }

  /** Its processes were killed with the runner: nothing is recorded, the claim goes back to peers. */
  private runnerDied(entry: RunningJob): void {
    if (entry.lost) return;
    entry.lost = true;
    this.abandoned.push(entry.job.id);
    this.ctx.log.warn('job killed: the job runner died; releasing it for a re-run', this.fields(entry.job.id));
    this.ctx.released();
  }

  /** Move a job from its slot to the publishing list, and let the daemon fill the slot. */
  private exited(entry: RunningJob): void {
    const key = formatJobId(entry.job.id);
    this.running.delete(key);
    this.publishing.set(key, entry);
    this.ctx.changed();
  }

  private async finish(entry: RunningJob, result: JobResult): Promise<void> {
    const id = entry.job.id;
    try {
      const delay = entry.lost || entry.cancelled ? null : retryDelay(entry.job, result);
      if (entry.lost) {
        if (!entry.stopped) this.ctx.log.warn('job ended after its claim was lost; result discarded', this.fields(id));
      } else if (delay !== null) this.scheduleRetry(entry.job, delay, result);
      else await this.publishOrSpool(id, await this.withCanceller(id, result), holdOf(entry.job));
    } finally {
      this.publishing.delete(formatJobId(id));
      this.ctx.changed();
    }
  }

  private scheduleRetry(job: ClaimedJob, delayMs: number, result: JobResult): void {
    this.ctx.log.info('job failed; will retry', { ...this.fields(job.id), attempt: job.attempt, exit: result.exitCode, signal: result.signal, reason: result.reason, delayMs });
    const timer = setTimeout(() => void this.readyToRetry(job, result), delayMs);
    this.retrying.set(formatJobId(job.id), { job, timer, failed: result });
    // Said on the claim, so that status and list show the wait instead of "running".
    const retryAt = new Date(Date.now() + delayMs).toISOString();
    void this.rewriteClaim(job, { retryAt, lastExit: endedHow(result) });
  }

  /** Best effort: the claim record is only what readers show; failing to rewrite it changes nothing else. */
  private async rewriteClaim(job: ClaimedJob, extra: Partial<ClaimRecord>): Promise<void> {
    const zk = this.ctx.zk();
    const record = encodeJson({ node: this.ctx.nodeId, since: new Date().toISOString(), ...extra } satisfies ClaimRecord);
    await retry(() => setIfOwned(zk, this.ctx.paths.claim(job.id.queue, job.id.seq), record)).catch((err) =>
      this.ctx.log.warn('cannot update the claim record', { ...this.fields(job.id), error: (err as Error).message }));
  }

  private async readyToRetry(job: ClaimedJob, failed: JobResult): Promise<void> {
    if (!this.retrying.delete(formatJobId(job.id))) return;
    try {
      // The failed attempt is closed in the same set that counts the next one (attempt-record.ts).
      const closing = { endedAt: failed.finishedAt, exitCode: failed.exitCode, signal: failed.signal, ended: endedHow(failed), rerun: 'retry' };
      const specData = await specForAttempt(this.ctx.zk(), this.ctx.paths, job.specData, job.attempt + 1, this.ctx.nodeId, closing);
      const attempt = await bumpAttempt(this.ctx.zk(), job.specPath, specData);
      if (attempt === null) {
        // Removed meanwhile (zkjobq rm): nothing to run, nothing to record.
        const zk = this.ctx.zk();
        await retry(() => deleteIfOwned(zk, this.ctx.paths.claim(job.id.queue, job.id.seq)));
        this.ctx.claimEnded(job.id);
        return;
      }
      await this.rewriteClaim(job, {});
      this.ready.push({ ...job, attempt, specData });
    } catch (err) {
      this.ctx.log.warn('cannot retry yet; releasing the job to peers', { ...this.fields(job.id), error: (err as Error).message });
      this.abandoned.push(job.id);
    }
    this.ctx.changed();
  }

  /** A cancel request for a job we hold: true when it was ours to handle. */
  cancel(id: JobId): boolean {
    const key = formatJobId(id);
    // Ended, its result on the way: the canceller sees that result and removes its request.
    if (this.publishing.has(key)) return true;
    const early = this.ahead.remove(id);
    if (early) {
      this.ctx.log.info('cancelling job claimed ahead; it never started', this.fields(id));
      void this.withCanceller(id, failedWithoutRun('cancelled by request', this.ctx.nodeId, early, 'cancelled')).then((r) => this.publishOrSpool(id, r, holdOf(early)));
      this.ctx.changed();
      return true;
    }
    const entry = this.running.get(key);
    if (entry && !entry.lost) {
      if (!entry.cancelled) {
        entry.cancelled = true;
        this.ctx.log.info('cancelling job', this.fields(id));
        entry.process.stop(this.ctx.killGraceMs);
      }
      return true;
    }
    const waiting = this.retrying.get(key);
    const readyIndex = this.ready.findIndex((j) => formatJobId(j.id) === key);
    const job = waiting?.job ?? this.ready[readyIndex];
    if (!job) return false;
    if (waiting) clearTimeout(waiting.timer);
    this.retrying.delete(key);
    if (readyIndex >= 0) this.ready.splice(readyIndex, 1);
    const result = failedWithoutRun('cancelled by request', this.ctx.nodeId, job, 'cancelled');
    void this.withCanceller(id, result).then((r) => this.publishOrSpool(id, r, holdOf(job)));
    return true;
  }

  /** A cancelled job's result names who asked (their request says); best effort, one read, cancelled jobs only. */
  private async withCanceller(id: JobId, result: JobResult): Promise<JobResult> {
    if (result.state !== 'cancelled' || result.cancelledBy) return result;
    const who = await readCancelRequest(this.ctx.zk(), this.ctx.paths, id).catch(() => null);
    return who ? { ...result, cancelledBy: who } : result;
  }

  /** True while a job runs whose claim we still count as ours: what the fence protects. */
  holdsRunningClaims(): boolean {
    for (const entry of this.running.values()) if (!entry.lost) return true;
    return false;
  }

  /** Fencing: kill every running job (TERM, KILL after graceMs) and give up waiting retries; their claims are (or will be) lost. */
  abandonAll(why: string, graceMs = this.ctx.killGraceMs): void {
    this.killAll(graceMs, (entry) => this.ctx.log.warn('killing job: claim lost', { ...this.fields(entry.job.id), why, graceMs }));
    this.releaseWaiting();
  }

  /**
   * A stop whose grace is over: kill what still runs and release it, and
   * waiting retries, to the peers. The operator asked for this, so it is one
   * line per job, not the warnings of a lost claim.
   */
  abandonAtStop(graceMs = this.ctx.killGraceMs): void {
    this.killAll(graceMs, (entry) => {
      entry.stopped = true;
      this.ctx.log.info('stop grace is over: killing job; it is released to run again', { ...this.fields(entry.job.id), graceMs });
    });
    this.releaseWaiting();
  }

  private killAll(graceMs: number, say: (entry: RunningJob) => void): void {
    for (const entry of this.running.values()) {
      if (entry.lost) continue;
      entry.lost = true;
      this.abandoned.push(entry.job.id);
      say(entry);
      entry.process.stop(graceMs);
    }
  }

  private releaseWaiting(): void {
    for (const { job, timer } of this.retrying.values()) {
      clearTimeout(timer);
      this.abandoned.push(job.id);
    }
    this.retrying.clear();
    this.abandoned.push(...this.ready.splice(0).map((j) => j.id));
    this.releaseAhead();
  }

  /**
   * Give up the jobs claimed ahead, none of which has started: their claims
   * are deleted by the next catchUp (at once when connected: `released`),
   * so that a peer takes them now. A drained or stopping node, a fence.
   */
  releaseAhead(): void {
    const jobs = this.ahead.takeAll();
    if (jobs.length === 0) return;
    for (const job of jobs) this.ctx.log.info('job claimed ahead released unstarted, for a peer to run', this.fields(job.id));
    this.abandoned.push(...jobs.map((j) => j.id));
    this.ctx.released();
  }

  /** After expiry every claim is gone: nothing to release or publish. Said per job: each will run again on a peer. */
  forgetClaims(): void {
    for (const { id } of this.spool) this.ctx.log.warn('result discarded: the session expired before it was published; the job will run again', this.fields(id));
    this.spool = [];
    this.abandoned = [];
    // Never started, and their claims died with the session: peers run them.
    this.ahead.takeAll();
  }

  /** Every running job has exited and every result is out (or spooled). */
  async allFinished(): Promise<void> {
    await Promise.all([...this.running.values(), ...this.publishing.values()].map((e) => e.finished));
  }

  private publishInBackground(job: ClaimedJob, result: JobResult): void {
    void this.publishOrSpool(job.id, result, holdOf(job));
  }

  /**
   * Every result enters here, and is signed here, once, before it is spooled
   * or published: every publish attempt then writes the same bytes, which is
   * how a retried create recognises its own earlier one (complete.ts).
   */
  private async publishOrSpool(id: JobId, unsigned: JobResult, hold: ClaimHold): Promise<void> {
    const result = this.ctx.sign(id, unsigned);
    if (this.ctx.zk().state !== 'connected') {
      this.ctx.log.info('job ended while disconnected; result spooled', { ...this.fields(id), state: result.state });
      this.spool.push({ id, result, hold });
      return;
    }
    try {
      await this.publish(id, result, hold);
    } catch (err) {
      this.ctx.log.warn('cannot publish result yet; spooled', { ...this.fields(id), error: (err as Error).message });
      this.spool.push({ id, result, hold });
    }
  }

  private async publish(id: JobId, result: JobResult, hold: ClaimHold): Promise<void> {
    const zk = this.ctx.zk();
    const outcome = await publishResult(zk, this.ctx.paths, id, result, hold);
    this.ctx.claimEnded(id);
    // The reason (timeout, cancelled by request, cannot start…) says why a job ended as it did.
    const fields = { ...this.fields(id), state: result.state, exit: result.exitCode, signal: result.signal, ...(result.reason ? { reason: result.reason } : {}) };
    if (outcome === 'published') {
      this.ctx.metrics?.jobFinished(id.queue, result.state, result.startedAt, result.finishedAt);
      this.ctx.log.info('job finished', fields);
      this.mailIfFailed(id, result);
    } else this.ctx.log.warn(outcome === 'duplicate' ? 'another attempt recorded a result first; ours discarded' : 'claim lost before publishing; result discarded', fields);
    // Only a cancelled job has a request to remove; a delete of nothing would still cost a write.
    if (result.state === 'cancelled') await retry(() => zk.deleteIfExists(this.ctx.paths.cancel(id.queue, id.seq))).catch(() => undefined);
  }

  /** After the result is published, never before: mail must not delay it. */
  private mailIfFailed(id: JobId, result: JobResult): void {
    const to = result.spec?.mailTo ?? this.ctx.policies(id.queue).mailTo;
    if (to && this.ctx.mailer && shouldMail(result)) this.ctx.mailer.reportFailure(formatJobId(id), result, to);
  }

  /**
   * Once connected again: release what we gave up, publish what waited.
   * A reconnection and a fence may both ask at once, so each pass takes an
   * item off the list before working on it (and puts it back if that
   * fails): two passes never work on, nor drop, the same item.
   */
  async catchUp(): Promise<void> {
    const zk = this.ctx.zk();
    for (let id = this.abandoned.shift(); id; id = this.abandoned.shift()) {
      const taken = id;
      try {
        // A killed job may still be inside its kill grace (TERM, then KILL).
        // Its claim and run slot go only once it has exited: a peer must not
        // start the job again, nor the queue count one run fewer, while it runs.
        await this.running.get(formatJobId(taken))?.finished;
        await retry(() => deleteIfOwned(zk, this.ctx.paths.claim(taken.queue, taken.seq)));
      } catch (err) {
        this.abandoned.unshift(taken);
        throw err;
      }
      this.ctx.claimEnded(taken);
    }
    while (this.spool.length > 0 && zk.state === 'connected') {
      const item = this.spool.shift()!;
      try {
        await this.publish(item.id, item.result, item.hold);
      } catch (err) {
        this.spool.unshift(item);
        throw err;
      }
    }
  }
}

/** What publishing checks of a job's claim (complete.ts): its session, its spec and the version its attempt set. */
function holdOf(job: ClaimedJob): ClaimHold {
  return { session: job.session, specPath: job.specPath, specVersion: job.attempt };
}
