// This daemon's own counters, in the Prometheus registry that /metrics
// serves (prom-client writes the exposition format), and the per-minute
// counts it publishes in its node record for the status page's chart.
// Code that claims, runs and fences jobs calls one method here per event;
// gauges that the daemon already knows (running jobs, free slots, the
// connection, claim statistics) are read when Prometheus scrapes.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ActivityCounter } from '../activity.js';

export interface NodeGauges {
  running: () => number;
  slots: () => number;
  connected: () => boolean;
  /** Claim attempts per queue since the daemon started. */
  claims: () => { queue: string; won: number; lost: number }[];
}

export class NodeMetrics {
  readonly registry = new Registry();
  readonly activity = new ActivityCounter();
  private readonly started: Counter<'queue'>;
  private readonly finished: Counter<'queue' | 'state'>;
  private readonly duration: Histogram<'queue'>;
  private readonly expiries: Counter;
  private readonly fencedJobs: Counter;

  constructor(gauges: NodeGauges) {
    const registers = [this.registry];
    this.started = new Counter({ name: 'zkjobs_jobs_started_total', help: 'Jobs this node started, by queue.', labelNames: ['queue'], registers });
    this.finished = new Counter({ name: 'zkjobs_jobs_finished_total', help: 'Results this node published, by queue and final state.', labelNames: ['queue', 'state'], registers });
    this.duration = new Histogram({
      name: 'zkjobs_job_duration_seconds', help: 'Run time of the jobs this node finished, by queue.', labelNames: ['queue'], registers,
      buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600],
    });
    this.expiries = new Counter({ name: 'zkjobs_session_expiries_total', help: 'ZooKeeper sessions of this node that expired.', registers });
    this.fencedJobs = new Counter({ name: 'zkjobs_fenced_jobs_total', help: 'Jobs killed because the claim on them was lost or doubtful (connection lost too long, session expired).', registers });
    new Counter({
      name: 'zkjobs_claim_attempts_total', help: 'Claims this node tried to create, by queue and result (won, lost to a peer).', labelNames: ['queue', 'result'], registers,
      collect() {
        this.reset();
        for (const c of gauges.claims()) {
          this.inc({ queue: c.queue, result: 'won' }, c.won);
          this.inc({ queue: c.queue, result: 'lost' }, c.lost);
        }
      },
    });
    gauge('zkjobs_zookeeper_connected', 'Whether this node is connected to ZooKeeper (1) or not (0).', () => (gauges.connected() ? 1 : 0), registers);
    gauge('zkjobs_running_jobs', 'Jobs running on this node.', gauges.running, registers);
    gauge('zkjobs_free_slots', 'Slots of this node not running a job.', () => Math.max(0, gauges.slots() - gauges.running()), registers);
  }

  jobStarted(queue: string): void {
    this.started.inc({ queue });
    this.activity.count('started');
  }

  jobFinished(queue: string, state: string, startedAt: string | null, finishedAt: string): void {
    this.finished.inc({ queue, state });
    if (startedAt) this.duration.observe({ queue }, Math.max(0, (Date.parse(finishedAt) - Date.parse(startedAt)) / 1000));
    this.activity.count('finished');
  }

  sessionExpired(): void {
    this.expiries.inc();
  }

  fenced(jobs: number): void {
    if (jobs > 0) this.fencedJobs.inc(jobs);
  }
}

function gauge(name: string, help: string, value: () => number, registers: Registry[]): void {
  new Gauge({ name, help, registers, collect() {
    this.set(value());
  } });
}
