// The per-queue gauges of /metrics, taken from the status page's snapshot
// (cluster-view.ts) when Prometheus scrapes: the same shared, bounded read
// as a page view, nothing between scrapes. With them, prom-client's
// default process metrics (CPU, memory, event loop lag of this process).
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { ClusterView } from './cluster-view.js';
import type { QueueSummary } from './snapshot.js';

export function queueRegistry(view: ClusterView): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const queueGauge = (name: string, help: string, value: (q: QueueSummary) => number | null) =>
    new Gauge({
      name, help, labelNames: ['queue'], registers: [registry],
      async collect() {
        const snapshot = await view.current();
        this.reset();
        for (const q of snapshot.queues) {
          const v = value(q);
          if (v !== null) this.set({ queue: q.queue }, v);
        }
      },
    });
  queueGauge('zkjobs_queue_pending_jobs', 'Jobs waiting to start, per queue (from ZooKeeper).', (q) => q.pending);
  queueGauge('zkjobs_queue_held_jobs', 'Jobs held by an operator (zkjobq hold), not counted as pending, per queue (from ZooKeeper).', (q) => q.held);
  queueGauge('zkjobs_queue_running_jobs', 'Jobs running anywhere in the cluster, per queue (from ZooKeeper).', (q) => q.running);
  queueGauge('zkjobs_queue_oldest_pending_age_seconds', 'Age of the oldest job waiting to start, per queue (absent when none waits).', (q) => q.oldestPendingAge);
  queueGauge('zkjobs_queue_paused', 'Whether the queue is paused (1) or not (0).', (q) => (q.paused ? 1 : 0));
  return registry;
}
