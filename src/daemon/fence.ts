// Fencing: a daemon that may have lost its ZooKeeper session must have killed
// its jobs before a peer can start them again (DESIGN invariant 3).
//
// The server expires a session when it has received nothing from it for the
// negotiated timeout T: every packet it receives pushes the expiry to
// "receipt + T", rounded UP to the server's tick, never earlier. So the only
// clock we can trust is the last moment the server provably heard from us:
// the send time of the latest request it answered (ZkClient.lastHeardAt;
// receipt is later than sending, so this errs on the safe side). The
// binding's "disconnected" event is no use as a start: in a partition the C
// client only declares it after 2/3 T without a reply, when a third of T is
// left at best.
//
// So the fence counts from lastHeardAt, whatever the binding says:
//   silent >= heartbeatMs  send a heartbeat (a stat of "/"), one at a time;
//   silent >= termAfterMs  TERM every running job's process groups and treat
//                          their claims as lost (a simulated LOST);
//   silent >= killAfterMs  KILL them (the runner's timer, armed with the
//                          grace that is left), whatever they did with TERM;
//   silent >= T            the earliest moment the server may expire us.
// The margin T - killAfterMs covers a late timer (a busy event loop) and the
// killed processes' exit.
//
// Numbers for the defaults (--session-timeout 10s, --kill-grace 5s, a
// server granting 10 s):
//   heartbeat after 1 s of silence; TERM after 4 s; KILL after 9 s; the
//   session may expire after 10 s (10–12 s with ZooKeeper's default 2 s
//   tick). A partition is noticed by the binding after about 6.7 s, long
//   after the TERM. A TERM needs at least T/3 (3.3 s) of silence, three
//   missed heartbeats, so a grace longer than T - margin - T/3 (5.7 s here)
//   is shortened to that, and said so in the log.
// Cost: while jobs run and no other request was answered within the last
// second, one stat per second per daemon. It replaces the C client's own
// ping (sent after T/3 idle), so it adds about 0.7 requests a second.
import type { Logger } from '../log.js';
import type { ZkClient } from '../zk/client.js';

/** Timer lateness that fire() shortens the grace by without warning. */
const LATE_TOLERANCE_MS = 100;

export interface FenceWindow {
  /** Silence after which a heartbeat is sent. */
  heartbeatMs: number;
  /** Silence after which jobs are TERMed and their claims given up. */
  termAfterMs: number;
  /** Silence by which every job must be KILLed: before the server may expire the session. */
  killAfterMs: number;
  /** The kill grace used: the configured one, or less when it does not fit. */
  graceMs: number;
}

/** The fence's timings for a negotiated session timeout and a configured kill grace. */
export function fenceWindow(sessionTimeoutMs: number, killGraceMs: number): FenceWindow {
  const t = sessionTimeoutMs;
  // A second (a tenth of longer sessions) for a late timer and the exit of
  // the killed processes; a quarter of sessions shorter than 4 s, which
  // only tests ask for.
  const marginMs = Math.max(t / 10, Math.min(1_000, t / 4));
  const killAfterMs = t - marginMs;
  // At least T/3 of silence before a TERM: short stalls must not kill jobs.
  const maxGraceMs = Math.max(0, killAfterMs - t / 3);
  const graceMs = Math.floor(Math.min(killGraceMs, maxGraceMs));
  return { heartbeatMs: Math.floor(t / 10), termAfterMs: Math.floor(killAfterMs - graceMs), killAfterMs: Math.floor(killAfterMs), graceMs };
}

export interface FenceOptions {
  zk: () => ZkClient;
  /** The configured grace between TERM and KILL. */
  killGraceMs: number;
  log: Logger;
  nodeId: string;
  /** True while jobs run whose claims the fence still protects. */
  holding: () => boolean;
  /** Kill the running jobs with this grace between TERM and KILL, and treat their claims as lost. */
  fence: (graceMs: number, silentMs: number) => void;
}

export class Fence {
  private timer: NodeJS.Timeout | null = null;
  private pinging = false;
  /** The session timeout last warned about, so that a shortened grace is logged once per value. */
  private warnedFor = 0;

  constructor(private readonly o: FenceOptions) {}

  /** Call when jobs start or end, or the connection comes back: (re)arms or disarms the fence. */
  update(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.o.holding()) this.check();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private window(): FenceWindow {
    const zk = this.o.zk();
    const w = fenceWindow(zk.negotiatedTimeoutMs, this.o.killGraceMs);
    if (w.graceMs < this.o.killGraceMs && this.warnedFor !== zk.negotiatedTimeoutMs) {
      this.warnedFor = zk.negotiatedTimeoutMs;
      this.o.log.warn('kill grace does not fit the fencing window; fencing uses a shorter one', {
        node: this.o.nodeId, killGraceMs: this.o.killGraceMs, fencingGraceMs: w.graceMs, sessionTimeoutMs: zk.negotiatedTimeoutMs,
      });
    }
    return w;
  }

  private check(): void {
    this.timer = null;
    if (!this.o.holding()) return;
    const zk = this.o.zk();
    const w = this.window();
    const silent = zk.sinceHeardMs();
    if (silent >= w.termAfterMs) return this.fire(w, silent);
    if (silent >= w.heartbeatMs && !this.pinging && zk.state === 'connected') this.ping(zk);
    // Wake for the next heartbeat, or for the TERM if the heartbeat is not answered.
    const next = silent < w.heartbeatMs ? w.heartbeatMs : w.termAfterMs;
    this.timer = setTimeout(() => this.check(), Math.max(1, next - silent));
  }

  private ping(zk: ZkClient): void {
    this.pinging = true;
    void zk.ping()
      .catch(() => undefined) // unanswered: the silence goes on counting
      .finally(() => {
        this.pinging = false;
        if (this.o.zk() === zk) this.update();
      });
  }

  private fire(w: FenceWindow, silent: number): void {
    // A late timer (busy event loop) leaves less than the grace: KILL sooner, never later.
    const graceMs = Math.max(0, Math.min(w.graceMs, Math.floor(w.killAfterMs - silent)));
    // (A few milliseconds of timer lateness are not worth a warning.)
    if (graceMs < this.o.killGraceMs - LATE_TOLERANCE_MS) {
      this.o.log.warn('kill grace shortened to fit before the session can expire', { node: this.o.nodeId, killGraceMs: this.o.killGraceMs, graceMs });
    }
    this.o.fence(graceMs, Math.round(silent));
  }
}
