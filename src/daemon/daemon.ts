// zkjobd's core: keeps a ZooKeeper session, claims jobs while it has free
// slots, runs them, and publishes their results.
//
// Session handling (docs/fencing.md):
//  - always, while jobs run: the fence (fence.ts) counts from the last moment
//    the server provably heard from us, and kills the jobs (KILL included)
//    before the server can expire the session; their claims are then treated
//    as lost (a simulated LOST). It does not wait for the binding to report a
//    disconnection, which comes too late in a partition;
//  - disconnected: stop claiming, keep running jobs (the fence still counts);
//  - reconnected with the same session: claims are intact. Results that
//    finished meanwhile are published from the spool (only while the claim
//    is provably ours), claims of killed jobs are released for peers;
//  - expired: every claim is gone. Running jobs are killed, nothing is
//    recorded for them, and a new session re-registers and goes on.
//
// Claim-ahead (claimed-ahead.ts): while every slot is busy, the daemon holds
// up to one more claimed job per slot, and starts it the moment a slot
// frees (startAhead, called on every change of the job table), before the
// finished job's result is out and with no round trip in between. It is
// started only while its claim is provably ours: the claiming session is
// the current one, connected, and heard from within the fence's window;
// otherwise it waits, and a fence releases it, an expiry forgets it.
import type { Logger } from '../log.js';
import { ZkClient, type ZkTlsFiles } from '../zk/client.js';
import { Paths } from '../zk/paths.js';
import { QueueClaimer, type ClaimedJob, type Room } from '../claim.js';
import { eligible, type NodeOffer } from '../placement.js';
import { parsePendingBucket } from '../zk/paths.js';
import { nodeTags } from './node-tags.js';
import { settleLostCopies } from '../every-node.js';
import { ensureQueue } from '../queue.js';
import { describeThisNode, registerNode, unregisterNode, updateNode } from '../node-registry.js';
import { forgetAccess } from '../fleet-access.js';
import { JobTable } from './job-table.js';
import { CancelWatch } from './cancel-watch.js';
import { DrainWatch } from './drain-watch.js';
import { Mailer, type SmtpOptions } from './mailer.js';
import { HttpEndpoint, type HttpOptions } from './http-endpoint.js';
import { pruneSpool } from './output-spool.js';
import os from 'node:os';
import { Wakeups } from './wakeups.js';
import { QueueConfigs } from './queue-configs.js';
import { Findings } from './findings.js';
import { findOrphanGroups, killGroups } from './orphans.js';
import type { PolicySource } from './queue-policy.js';
import { QueueLimits, publishConfiguredLimits } from './queue-limits.js';
import { Fence, fenceWindow } from './fence.js';
import { reportQueues } from './queue-report.js';
import { HardwareMonitor } from './hardware-monitor.js';
import { Spawner } from './spawner.js';
import { NodeMetrics } from './node-metrics.js';
import { startStatusServer } from '../status/start.js';
import type { StatusOptions, StatusServer } from '../status/status-server.js';
import type { NodeRecordSigner, ResultSigner } from '../node-key.js';

export interface DaemonOptions {
  zk: string;
  root: string;
  queues: string[];
  slots: number;
  /** Tags of the configuration (--tags); the automatic ones are added (node-tags.ts). */
  tags: string[];
  nodeId: string;
  /** How long the first connection to ZooKeeper may take before start fails (exit 69). Default 15000 ms. */
  connectTimeoutMs: number;
  /** Requested ZooKeeper session timeout. Default 10000 ms. */
  sessionTimeoutMs: number;
  /** On SIGTERM, how long running jobs may go on before they are killed and released. */
  stopGraceMs: number;
  /** Between TERM and KILL when a job is killed. */
  killGraceMs: number;
  logger: Logger;
  /** Per-queue settings from the node's configuration (see queue-policy.ts). */
  policies: PolicySource;
  /** Where failure reports are mailed from; null: no mail. */
  smtp: SmtpOptions | null;
  /** Full job output, per job. Default /var/spool/zkjobs. */
  spoolDir: string;
  /** Cap of each job's spooled stdout and stderr. Default 64 MiB. */
  spoolMaxBytes: number;
  /** The output endpoint; null: none. */
  http: HttpOptions | null;
  /** USER:PASSWORD digest identity for ZooKeeper, if any. */
  zkAuth?: string;
  /** TLS to ZooKeeper with this client certificate; none: plain TCP. */
  zkTls?: ZkTlsFiles;
  /** max_running set by this node's [queue] sections, written to the queues' config znodes (null: none). */
  queueLimits: ReadonlyMap<string, number | null>;
  /** The status page and /metrics (status_bind); null: none. */
  status: StatusOptions | null;
  /** Signs every result this node publishes with its node key (node-key.ts). */
  signResult: ResultSigner;
  /** Signs this node's record with the same key, so that clients can trust its output address; none: unsigned. */
  signNodeRecord?: NodeRecordSigner;
}

const NODE_UPDATE_MS = 1_000;
const RETRY_PUMP_MS = 1_000;
const SPOOL_PRUNE_MS = 3_600_000;

export class Daemon {
  private zk!: ZkClient;
  private readonly paths: Paths;
  private readonly log: Logger;
  private claimers: QueueClaimer[] = [];
  private wakeups!: Wakeups;
  private configs!: QueueConfigs;
  private findings!: Findings;
  private limits!: QueueLimits;
  private jobs!: JobTable;
  private cancels!: CancelWatch;
  private drain!: DrainWatch;
  private peers = 1;
  /** This node's place among the live ones, by name: its share of a claim window (claim.ts pick). */
  private peerRank = 0;
  private nextQueue = 0;
  private pumping = false;
  private pumpAgain = false;
  private stopping = false;
  /** Inside startAhead: a start's change notice must not start another pass. */
  private starting = false;
  /** Past stop() or abort(): no more timers, not even for the node record. */
  private stopped = false;
  private fence!: Fence;
  private retryTimer: NodeJS.Timeout | null = null;
  private nodeTimer: NodeJS.Timeout | null = null;
  private readonly startedAt = new Date().toISOString();
  private endpoint: HttpEndpoint | null = null;
  private httpAddress: string | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  private status: StatusServer | null = null;
  private hardware!: HardwareMonitor;
  private spawner!: Spawner;
  readonly metrics = new NodeMetrics({
    running: () => this.jobs?.size ?? 0,
    slots: () => this.options.slots,
    connected: () => this.zk?.state === 'connected',
    claims: () => this.claimers.map((c) => ({ queue: c.queue, won: c.stats.won, lost: c.stats.lost })),
  });

  constructor(private readonly options: DaemonOptions) {
    this.paths = new Paths(options.root);
    this.log = options.logger;
  }

  async start(): Promise<void> {
    const o = this.options;
    const orphans = findOrphanGroups(o.nodeId);
    if (orphans.length > 0) {
      this.log.warn('killing jobs left running by a previous zkjobd of this node', { node: o.nodeId, groups: orphans.join(',') });
      killGroups(orphans);
    }
    this.hardware = new HardwareMonitor(o.spoolDir, () => this.scheduleNodeUpdate());
    await this.hardware.sample();
    this.zk = await ZkClient.connect({ connect: o.zk, sessionTimeoutMs: o.sessionTimeoutMs, connectTimeoutMs: o.connectTimeoutMs, renew: true, auth: o.zkAuth, tls: o.zkTls });
    this.wakeups = new Wakeups(this.zk, this.paths, () => this.pump(), (bucket) => {
      const parsed = parsePendingBucket(bucket);
      return parsed !== null && eligible(parsed.requirements, this.offer());
    });
    this.findings = new Findings(this.log, o.nodeId);
    this.configs = new QueueConfigs(this.zk, this.paths, (queue) => {
      // Perhaps a release (hold.ts): the released job is older than the cached listing, which is listed again.
      for (const c of this.claimers) if (c.queue === queue) c.reset();
      this.pump();
    }, this.findings.report, (queue, exists) => this.onQueuePresence(queue, exists));
    this.limits = new QueueLimits(() => this.zk, this.paths, o.nodeId, () => this.pump());
    this.claimers = o.queues.map((q) => this.claimerFor(q));
    this.spawner = new Spawner(this.log, o.nodeId);
    this.spawner.warm();
    this.jobs = new JobTable({
      zk: () => this.zk,
      paths: this.paths,
      nodeId: o.nodeId,
      killGraceMs: o.killGraceMs,
      policies: o.policies,
      log: this.log,
      mailer: o.smtp ? new Mailer(o.smtp, this.log) : null,
      spoolDir: o.spoolDir,
      spoolMaxBytes: o.spoolMaxBytes,
      sign: o.signResult,
      changed: () => {
        this.startAhead();
        this.fence.update();
        this.scheduleNodeUpdate();
        this.pump();
      },
      claimEnded: (id) => this.limits.release(id),
      metrics: this.metrics,
      spawner: this.spawner,
      released: () => {
        if (this.zk.state !== 'connected') return; // the reconnection catches up
        void this.jobs
          .catchUp()
          .then(() => this.pump())
          .catch((err) => this.retryLater('releasing claims', err));
      },
    });
    this.fence = new Fence({
      zk: () => this.zk,
      killGraceMs: o.killGraceMs,
      log: this.log,
      nodeId: o.nodeId,
      holding: () => this.jobs.holdsRunningClaims(),
      fence: (graceMs, silentMs) => this.onFenced(graceMs, silentMs),
    });
    this.cancels = new CancelWatch(() => this.zk, this.paths, (id) => this.jobs.cancel(id), (err) => this.retryLater('watching cancels', err));
    this.drain = new DrainWatch(() => this.zk, this.paths, o.nodeId, this.log, (drained) => {
      // A drained node starts nothing new: its peers take what it claimed ahead, now.
      if (drained) this.jobs.releaseAhead();
      this.scheduleNodeUpdate();
      this.pump();
    }, (err) => this.retryLater('reading the drain request', err));
    for (const queue of o.queues) await ensureQueue(this.zk, this.paths, queue);
    await publishConfiguredLimits(this.zk, this.paths, o.queueLimits, o.queues, this.log, o.nodeId);
    await reportQueues(this.zk, this.paths, o.queues, o.policies, this.log, o.nodeId);
    await this.startHttp();
    this.status = await startStatusServer(o.status, () => this.zk, this.paths, o.http?.token ?? null, this.metrics.registry, this.log, o.nodeId);
    this.hardware.start();
    this.startSpoolPruning();
    this.zk.on('disconnected', () => this.onDisconnected());
    this.zk.on('reconnected', () => void this.onReconnected());
    this.zk.on('expired', () => this.onExpired());
    this.zk.on('session', () => void this.onNewSession().catch((err) => this.retryLater('new session', err)));
    await this.onNewSession();
    this.log.info('zkjobd started', { node: o.nodeId, queues: o.queues.join(','), slots: o.slots, session: this.zk.sessionId });
  }

  /** Serve spooled output, and publish where in the node record. */
  private async startHttp(): Promise<void> {
    const http = this.options.http;
    if (!http) return;
    this.endpoint = new HttpEndpoint(http, this.options.spoolDir, (id) => this.jobs.isRunning(id));
    const port = await this.endpoint.start();
    const host = http.host === '0.0.0.0' || http.host === '::' ? os.hostname() : http.host;
    this.httpAddress = `${host}:${port}`;
  }

  private startSpoolPruning(): void {
    const prune = () => {
      const removed = pruneSpool(this.options.spoolDir, (q) => this.options.policies(q).retentionMs);
      if (removed > 0) this.log.info('removed old job output', { node: this.options.nodeId, jobs: removed });
    };
    prune();
    this.pruneTimer = setInterval(prune, SPOOL_PRUNE_MS);
    this.pruneTimer.unref();
  }

  private async onNewSession(): Promise<void> {
    this.wakeups.reset();
    this.configs.reset();
    this.limits.reset();
    this.cancels.reset();
    this.drain.reset();
    for (const c of this.claimers) c.reset();
    // Identities may have changed since the last session (zkjobq init, zkjobq create): read them again.
    forgetAccess(this.zk);
    // Before the record, so that it says from the first write whether this node drains.
    await this.drain.check();
    await registerNode(this.zk, this.paths, this.options.nodeId, this.nodeRecord(), this.zk.negotiatedTimeoutMs * 2 + 5_000);
    await this.watchPeers();
    for (const queue of this.options.queues) await this.cancels.watch(queue);
    this.pump();
  }

  /**
   * Count live nodes (the claim spread) and wake when one leaves: its claims
   * died with it. Re-armed each time it fires, busy or idle: peers come and go.
   */
  private async watchPeers(): Promise<void> {
    const nodes = await this.wakeups.armChildren(this.paths.nodes(), () => void this.watchPeers().catch((err) => this.retryLater('watching peers', err)));
    this.peers = Math.max(1, nodes.length);
    this.peerRank = Math.max(0, [...nodes].sort().indexOf(this.options.nodeId));
    this.pump();
    void this.settleLostCopies(new Set(nodes));
  }

  /** Jobs pinned to a node that is gone (--every-node copies) will never run: end them as `node lost` (every-node.ts). */
  private async settleLostCopies(live: Set<string>): Promise<void> {
    for (const queue of this.options.queues) {
      try {
        const ended = await settleLostCopies(this.zk, this.paths, queue, live, this.options.nodeId);
        if (ended > 0) this.log.info('jobs pinned to a node that is gone ended as node lost', { node: this.options.nodeId, queue, jobs: ended });
      } catch (err) {
        this.log.warn('cannot end the jobs of a lost node yet', { node: this.options.nodeId, queue, error: (err as Error).message });
      }
    }
  }

  private onDisconnected(): void {
    const w = fenceWindow(this.zk.negotiatedTimeoutMs, this.options.killGraceMs);
    const silentMs = Math.round(this.zk.sinceHeardMs());
    this.log.warn('ZooKeeper connection lost; claiming paused', { node: this.options.nodeId, silentMs, termAfterMs: w.termAfterMs, killAfterMs: w.killAfterMs });
  }

  /** The fence fired: our claims may be expiring. If the connection is in fact up, nothing else would release them. */
  private onFenced(graceMs: number, silentMs: number): void {
    this.log.warn('no answer from ZooKeeper for too long; killing running jobs before the session can expire', { node: this.options.nodeId, silentMs, graceMs });
    this.metrics.fenced(this.jobs.size);
    this.jobs.abandonAll(`no answer from ZooKeeper for ${silentMs} ms`, graceMs);
    void this.jobs
      .allFinished()
      .then(async () => {
        if (this.zk.state !== 'connected' || this.stopping) return;
        await this.jobs.catchUp();
        this.pump();
      })
      .catch((err) => this.retryLater('releasing fenced claims', err));
  }

  private async onReconnected(): Promise<void> {
    // A heartbeat now: lastHeardAt is as old as the disconnection.
    this.fence.update();
    this.log.info('ZooKeeper connection back, same session', { node: this.options.nodeId });
    try {
      await this.jobs.catchUp();
      await this.limits.catchUp();
      // A drain or undrain while we were away may have come as one event, or none.
      await this.drain.check();
      // Peers may have come and gone meanwhile; re-arms the watch if a failed re-arm left none.
      await this.watchPeers();
      for (const queue of this.options.queues) await this.cancels.watch(queue);
    } catch (err) {
      this.retryLater('reconnection', err);
    }
    this.pump();
  }

  private onExpired(): void {
    this.log.warn('ZooKeeper session expired; claims lost, killing their jobs', { node: this.options.nodeId, jobs: this.jobs.size });
    this.metrics.sessionExpired();
    this.metrics.fenced(this.jobs.size);
    this.jobs.abandonAll('session expired');
    this.jobs.forgetClaims();
  }

  /** Claim and start jobs while slots are free. Serialised: one pass at a time. */
  pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    void this.fillSlots()
      .catch((err) => this.retryLater('claiming', err))
      .finally(() => {
        this.pumping = false;
        if (this.pumpAgain) {
          this.pumpAgain = false;
          this.pump();
        } else void this.limits.returnSpare();
      });
  }

  /**
   * Room for another job: a free slot (a job whose processes have exited
   * no longer takes one), and no more than `slots` finished jobs still
   * waiting for their results to go out (job-table.ts).
   */
  private hasRoom(): boolean {
    return !this.stopping && this.zk.state === 'connected' && this.jobs.slotsInUse() < this.options.slots && this.jobs.publishingCount < this.options.slots;
  }

  /**
   * Room to claim, and not drained (zkjobq drain): a free slot that no job
   * claimed ahead will take, or, with every slot busy, room for one more
   * job claimed ahead per slot. So a node holds at most `slots` running,
   * `slots` claimed ahead and `slots` publishing.
   */
  private canClaim(): boolean {
    if (this.stopping || this.zk.state !== 'connected' || this.drain.drained || this.jobs.publishingCount >= this.options.slots) return false;
    return this.freeNow() > 0 || this.jobs.ahead.slots() < this.options.slots;
  }

  /** Slots free now that no job claimed ahead is waiting for. */
  private freeNow(): number {
    return this.options.slots - this.jobs.slotsInUse() - this.jobs.ahead.slots();
  }

  /**
   * Start the jobs claimed ahead that fit the free slots, oldest first,
   * each only while its claim is provably ours (see the top of the file):
   * the session that claimed it is the current one and connected, and the
   * server heard from us within the fence's window, so that the fence,
   * armed by the start, still has its whole grace to kill it in. A job of
   * an earlier session lost its claim with it: it is dropped, never run.
   */
  private startAhead(): void {
    if (this.starting || !this.jobs) return;
    this.starting = true;
    try {
      while (this.jobs.ahead.length > 0 && !this.stopping && this.claimProvablyOurs()) {
        if (this.drain.drained) return this.jobs.releaseAhead();
        const job = this.jobs.ahead.takeFitting(this.options.slots - this.jobs.slotsInUse());
        if (!job) return;
        if (job.session !== this.zk.sessionId) {
          this.log.warn('job claimed ahead in an earlier session dropped unstarted; its claim died with that session', { node: this.options.nodeId, job: `${job.id.queue}/${job.id.seq}` });
          continue;
        }
        this.jobs.start(job);
      }
    } finally {
      this.starting = false;
    }
  }

  /** Connected, and heard from recently enough that the fence would not fire now. */
  private claimProvablyOurs(): boolean {
    if (this.zk.state !== 'connected') return false;
    const w = fenceWindow(this.zk.negotiatedTimeoutMs, this.options.killGraceMs);
    return this.zk.sinceHeardMs() < w.termAfterMs;
  }

  private claimerFor(queue: string): QueueClaimer {
    return new QueueClaimer(this.zk, this.paths, queue, this.options.nodeId, () => this.peers, this.findings.report, () => this.offer(), () => this.peerRank, (seq) => this.jobs.holdsClaim({ queue, seq }), (path) => this.wakeups.children(path));
  }

  /** What this node offers jobs: only buckets of classes it is eligible for are listed (placement.ts). */
  private offer(): NodeOffer {
    return { tags: this.tags(), slots: this.options.slots, memTotal: this.hardware.current?.memTotal ?? os.totalmem() };
  }

  private tags(): string[] {
    return nodeTags(this.options.tags, this.options.nodeId, this.hardware.current);
  }

  /**
   * Room for the next claims: the slots free now, or, with none free, room
   * for jobs claimed ahead (one per slot); and memory available minus what
   * running and claimed-ahead jobs asked for (--mem).
   */
  private room(): Room {
    const free = this.freeNow();
    const slots = free > 0 ? free : this.options.slots - this.jobs.ahead.slots();
    return { slots, mem: os.freemem() - this.jobs.memAsked() - this.jobs.ahead.mem() };
  }

  private async fillSlots(): Promise<void> {
    // Retries whose backoff is over hold claims already: they go first, drained or not (the job is ours until it ends).
    while (this.hasRoom() && this.jobs.ready.length > 0) this.jobs.start(this.jobs.ready.shift()!);
    this.startAhead();
    while (this.canClaim()) {
      // With no slot free, what we claim now waits for one: said in its claim (ahead).
      const ahead = this.freeNow() <= 0;
      const jobs = await this.claimFromAnyQueue(this.room(), ahead);
      if (jobs.length === 0) {
        if (this.canClaim()) {
          await this.wakeups.armIdle(this.options.queues);
          await this.limits.armIdle(this.wakeups, this.options.queues);
        }
        return;
      }
      this.wakeups.cancelTimer();
      // Every claim goes through the list, oldest first; those that fit start now.
      for (const job of jobs) this.jobs.ahead.add(job);
      this.startAhead();
    }
  }

  /** Jobs that fit `room`, round-robin over the served queues, skipping paused and full ones. */
  private async claimFromAnyQueue(room: Room, ahead: boolean): Promise<ClaimedJob[]> {
    const jobs: ClaimedJob[] = [];
    for (let i = 0; i < this.claimers.length && room.slots > 0; i++) {
      const claimer = this.claimers[(this.nextQueue + i) % this.claimers.length];
      const config = await this.configs.get(claimer.queue);
      if (config.paused || !config.exists) continue;
      const won = await this.limits.claim(claimer, config.maxRunning, room, ahead);
      for (const job of won) {
        room.slots -= job.requirements.cpus;
        room.mem -= job.requirements.mem;
      }
      jobs.push(...won);
    }
    this.nextQueue = (this.nextQueue + 1) % Math.max(1, this.claimers.length);
    return jobs;
  }

  /** A served queue was deleted (not served until it exists again), or exists again. */
  private onQueuePresence(queue: string, exists: boolean): void {
    const node = this.options.nodeId;
    if (!exists) {
      this.log.warn(`queue ${queue} was deleted; not serving it until it is created again`, { node, queue });
      return;
    }
    this.log.info(`queue ${queue} exists again; serving it`, { node, queue });
    // Job numbers start again from 1 in a re-created queue: forget the old listing.
    for (const c of this.claimers) if (c.queue === queue) c.reset();
  }

  private retryLater(what: string, err: unknown): void {
    if (this.stopping) return;
    this.log.warn(`error while ${what}; retrying`, { node: this.options.nodeId, error: (err as Error).message });
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.zk.state === 'connected') void this.onReconnected();
    }, RETRY_PUMP_MS);
  }

  private nodeRecord() {
    const record = describeThisNode(this.options.slots, this.options.queues, this.jobs.ids(), this.startedAt, this.httpAddress, this.hardware.forRecord(), this.metrics.activity.snapshot());
    // A stopping daemon claims nothing either: it says so, as a drained one does, while its jobs finish.
    const tagged = { ...record, ...(this.drain.drained || this.stopping ? { draining: true } : {}), tags: this.tags() };
    return this.options.signNodeRecord ? this.options.signNodeRecord(tagged) : tagged;
  }

  /** At most one node-record write per second, however fast jobs turn over. */
  private scheduleNodeUpdate(): void {
    if (this.nodeTimer || this.stopped) return;
    this.nodeTimer = setTimeout(() => {
      this.nodeTimer = null;
      if (this.zk.state !== 'connected') return;
      void updateNode(this.zk, this.paths, this.options.nodeId, this.nodeRecord()).catch(() => undefined);
    }, NODE_UPDATE_MS);
  }

  /**
   * Apply a reloaded configuration: a new slot count takes effect for the
   * next claim; new queues are created and served; dropped queues get no
   * new claims while their running jobs finish; new tags decide which
   * buckets the next listing reads (the cached ones are forgotten, or a job
   * of a class this node has just become eligible for would wait until the
   * cache ran out), and are in the node record within a second.
   */
  async reconfigure(change: { slots?: number; queues?: string[]; tags?: string[]; queueLimits?: ReadonlyMap<string, number | null> }): Promise<void> {
    if (change.slots !== undefined) this.options.slots = change.slots;
    if (change.tags !== undefined) {
      this.options.tags = change.tags;
      for (const claimer of this.claimers) claimer.reset();
    }
    if (change.queues !== undefined) {
      const added = change.queues.filter((q) => !this.options.queues.includes(q));
      for (const queue of added) {
        await ensureQueue(this.zk, this.paths, queue);
        this.claimers.push(this.claimerFor(queue));
        await this.cancels.watch(queue);
      }
      this.claimers = this.claimers.filter((c) => change.queues!.includes(c.queue));
      this.options.queues = [...change.queues];
    }
    if (change.queueLimits !== undefined) {
      this.options.queueLimits = change.queueLimits;
      await publishConfiguredLimits(this.zk, this.paths, change.queueLimits, this.options.queues, this.log, this.options.nodeId);
    }
    // Policies may have changed with the file: say again who submits and as whom jobs run.
    await reportQueues(this.zk, this.paths, this.options.queues, this.options.policies, this.log, this.options.nodeId);
    this.scheduleNodeUpdate();
    this.pump();
  }

  /** A failed start: let go of what start() opened, so that the process exits with its code. */
  abort(): void {
    this.stopping = true;
    this.stopped = true;
    this.fence?.stop();
    this.spawner?.close();
    for (const t of [this.retryTimer, this.nodeTimer, this.pruneTimer]) if (t) clearTimeout(t);
    this.endpoint?.stop();
    this.zk?.close();
  }

  /**
   * Graceful stop: claim nothing more, let running jobs finish within the
   * grace period, then kill what is left and delete its claims at once, so
   * that peers re-run it now rather than after a session timeout.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.log.info('stopping: no new claims', { node: this.options.nodeId, running: this.jobs.size });
    // Jobs claimed ahead never started: peers take them now, not after the grace.
    this.jobs.releaseAhead();
    this.wakeups.cancelTimer();
    this.scheduleNodeUpdate();
    const grace = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), this.options.stopGraceMs).unref());
    if ((await Promise.race([this.jobs.allFinished(), grace])) === 'timeout') this.jobs.abandonAtStop();
    await this.jobs.allFinished();
    // Waiting retries are released to peers as well.
    this.jobs.abandonAtStop();
    if (this.zk.state === 'connected') {
      await this.jobs.catchUp().catch(() => undefined);
      await unregisterNode(this.zk, this.paths, this.options.nodeId).catch(() => undefined);
    }
    this.stopped = true;
    this.fence.stop();
    this.spawner.close();
    for (const t of [this.retryTimer, this.nodeTimer, this.pruneTimer]) if (t) clearTimeout(t);
    this.endpoint?.stop();
    this.status?.stop();
    this.hardware.stop();
    for (const c of this.claimers) this.log.info('claim stats', { node: this.options.nodeId, queue: c.queue, ...c.stats });
    this.log.info('zookeeper requests', { node: this.options.nodeId, requests: Object.fromEntries(this.zk.requestCounts) });
    this.zk.close();
    this.log.info('zkjobd stopped', { node: this.options.nodeId });
  }
}
