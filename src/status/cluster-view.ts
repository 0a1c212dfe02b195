// The cluster as the status page shows it, read from ZooKeeper alone, so
// that any node (or `zkjobq serve` on a workstation) can answer for all.
//
// Cost: nothing while nobody looks. A viewer (an open page, or an API call)
// gets the latest snapshot if it is younger than the refresh interval;
// otherwise one refresh runs and every concurrent caller shares it. Open
// pages subscribe: while there is at least one, a single loop refreshes every
// interval and hands the same snapshot to all of them. A refresh costs a fixed
// number of reads per node and per queue (see queue-view.ts), never one per
// pending job.
import type { ZkClient } from '../zk/client.js';
import type { Paths } from '../zk/paths.js';
import { checkName, checkQueueName } from '../job-id.js';
import { parseNodeRecord } from '../node-record.js';
import { mergeActivity, type Activity } from '../activity.js';
import { CountedReads } from './counted-reads.js';
import { retry } from '../zk/retry.js';
import { QueueView } from './queue-view.js';
import type { ClusterSnapshot, FinishedJob, NodeSummary } from './snapshot.js';

/** Default time between refreshes while someone watches. */
export const REFRESH_MS = 2_000;
const RECENT_SHOWN = 25;
const FAILURES_SHOWN = 15;
/** Queues and nodes read per refresh at most: hostile znodes cannot make a refresh unbounded. */
const MAX_QUEUES = 500;
const MAX_NODES = 2_000;

export type Listener = (snapshot: ClusterSnapshot) => void;

export class ClusterView {
  private latest: ClusterSnapshot | null = null;
  private inflight: Promise<ClusterSnapshot> | null = null;
  private readonly listeners = new Set<Listener>();
  private timer: NodeJS.Timeout | null = null;
  private looping = false;
  private readonly queueViews = new Map<string, QueueView>();

  constructor(private readonly zk: () => ZkClient, private readonly paths: Paths, private readonly refreshMs = REFRESH_MS) {}

  /** A snapshot at most refreshMs old; concurrent callers share one refresh. */
  current(): Promise<ClusterSnapshot> {
    if (this.latest && Date.now() - Date.parse(this.latest.at) < this.refreshMs && !this.latest.problem) return Promise.resolve(this.latest);
    return this.refresh();
  }

  /** Call `listener` with every new snapshot until the returned function is called. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    if (this.latest) listener(this.latest);
    this.loop();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  get watchers(): number {
    return this.listeners.size;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.looping = false;
  }

  /** One loop for all subscribers: refresh, wait, again, until the last one leaves. */
  private loop(): void {
    if (this.looping) return;
    this.looping = true;
    const step = () => {
      this.timer = null;
      void this.refresh().finally(() => {
        if (this.listeners.size === 0 || !this.looping) return this.stop();
        this.timer = setTimeout(step, this.refreshMs);
      });
    };
    step();
  }

  refresh(): Promise<ClusterSnapshot> {
    // Only reads: safe to run again whole after a lost connection.
    this.inflight ??= retry(() => this.read())
      .catch((err: Error) => this.failed(err))
      .then((snapshot) => {
        this.latest = snapshot;
        for (const l of this.listeners) l(snapshot);
        return snapshot;
      })
      .finally(() => (this.inflight = null));
    return this.inflight;
  }

  private failed(err: Error): ClusterSnapshot {
    const base = this.latest ?? emptySnapshot(this.paths.root);
    return { ...base, problem: `cannot read ZooKeeper: ${err.message}` };
  }

  private async read(): Promise<ClusterSnapshot> {
    const started = performance.now();
    const r = new CountedReads(this.zk());
    const nodes = await this.nodes(r);
    const nodeOf = new Map<string, string>();
    for (const n of nodes) for (const id of n.record?.running ?? []) nodeOf.set(id, n.id);
    const names = (await r.children(this.paths.queues())).filter(validQueue).sort().slice(0, MAX_QUEUES);
    for (const q of this.queueViews.keys()) if (!names.includes(q)) this.queueViews.delete(q);
    const views = names.map((q) => this.queueViews.get(q) ?? this.queueViews.set(q, new QueueView(q, this.paths)).get(q)!);
    const parts = await Promise.all(views.map((v) => v.read(r, nodeOf)));
    const finished = parts.flatMap((p) => p.finished).sort(newestFirst);
    return {
      at: new Date().toISOString(),
      root: this.paths.root,
      queues: parts.map((p) => p.summary),
      nodes,
      running: parts.flatMap((p) => p.running).sort((a, b) => a.since.localeCompare(b.since)),
      recent: finished.slice(0, RECENT_SHOWN),
      failures: finished.filter((f) => f.state === 'failed').slice(0, FAILURES_SHOWN),
      activity: mergeActivity(nodes.map((n) => n.record?.activity).filter((a): a is Activity => a !== undefined)),
      cost: { reads: r.count, ms: Math.round(performance.now() - started) },
      problem: null,
    };
  }

  private async nodes(r: CountedReads): Promise<NodeSummary[]> {
    const ids = (await r.children(this.paths.nodes())).filter(validNode).sort().slice(0, MAX_NODES);
    const entries = await Promise.all(ids.map(async (id): Promise<NodeSummary | null> => {
      const node = await r.get(this.paths.node(id));
      if (!node) return null; // gone since the listing
      try {
        return { id, live: true, record: parseNodeRecord(node.data), error: null };
      } catch (err) {
        return { id, live: true, record: null, error: (err as Error).message };
      }
    }));
    return entries.filter((e): e is NodeSummary => e !== null);
  }
}

function newestFirst(a: FinishedJob, b: FinishedJob): number {
  return b.finishedAt.localeCompare(a.finishedAt);
}

function validQueue(name: string): boolean {
  try {
    checkQueueName(name);
    return true;
  } catch {
    return false;
  }
}

function validNode(name: string): boolean {
  try {
    checkName('node', name);
    return true;
  } catch {
    return false;
  }
}

export function emptySnapshot(root: string): ClusterSnapshot {
  return { at: new Date(0).toISOString(), root, queues: [], nodes: [], running: [], recent: [], failures: [], activity: mergeActivity([]), cost: { reads: 0, ms: 0 }, problem: null };
}
