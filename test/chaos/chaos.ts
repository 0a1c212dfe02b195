// The chaos run: thousands of jobs flow through several daemons on a
// three-member ensemble while daemons are SIGKILLed and restarted, frozen
// past their session timeout, and ZooKeeper members are killed and
// restarted. At the end every job must have exactly one result, must have
// run at least once, and every re-run must be explained by a disruption of
// the daemon that ran it before (killed, frozen, or a logged claim loss).
import { setTimeout as delay } from 'node:timers/promises';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startEnsemble, type ZkCluster } from '../helpers/zk-server.js';
import { DaemonProcess, freshRoot, ok } from '../helpers/cli.js';
import { readRunEvents, type RunEvent } from '../helpers/run-records.js';
import { recordFile, submitRecorded, waitAllFinished } from '../helpers/jobs.js';

export interface ChaosOptions {
  jobs: number;
  daemons: number;
  slots: number;
  /** Seconds each job sleeps. */
  jobSeconds: string;
  /** Disruptions stop after this long (or when the jobs are done). */
  chaosMs: number;
  log: (line: string) => void;
}

/** `until`: the end of the daemon's disruption: its replacement spawned, or its thaw. */
type Disruption = { kind: 'kill' | 'freeze'; node: string; at: number; until: number } | { kind: 'zk-restart'; member: number; at: number };

export interface ChaosReport {
  jobs: number;
  results: number;
  succeeded: number;
  neverRan: string[];
  disruptions: Record<Disruption['kind'], number>;
  reruns: number;
  unexplainedReruns: string[];
  /** For each unexplained re-run: every daemon log line and run record that names the job (whole logs: next to the run records). */
  unexplainedDetail: string[];
  wallMs: number;
}

const SESSION = '4s';
const FREEZE_MS = 6_000;

class Fleet {
  daemons = new Map<string, DaemonProcess>();
  /** Every incarnation's log, per node id. */
  logs = new Map<string, string>();

  constructor(private readonly zk: ZkCluster, private readonly root: string, private readonly slots: number) {}

  async start(node: string): Promise<void> {
    const d = new DaemonProcess({ zk: this.zk.connectString, root: this.root, nodeId: node, slots: this.slots, args: ['--session-timeout', SESSION] });
    this.daemons.set(node, d);
    await d.started(60_000);
  }

  collectLogs(): void {
    for (const [node, d] of this.daemons) this.logs.set(node, (this.logs.get(node) ?? '') + d.log);
  }

  async kill(node: string): Promise<void> {
    const d = this.daemons.get(node)!;
    d.signal('SIGKILL');
    await d.exited;
    this.logs.set(node, (this.logs.get(node) ?? '') + d.log);
    this.daemons.delete(node);
  }

  async stopAll(): Promise<void> {
    for (const d of this.daemons.values()) d.signal('SIGCONT');
    await Promise.all([...this.daemons.values()].map((d) => d.stop()));
    this.collectLogs();
  }
}

function pick<T>(items: T[]): T {
  return items[Math.floor(Math.random() * items.length)];
}

async function disrupt(zk: ZkCluster, fleet: Fleet, nodes: string[], log: (l: string) => void): Promise<Disruption> {
  const at = Date.now();
  const roll = Math.random();
  if (roll < 0.4) {
    const node = pick(nodes);
    log(`chaos: SIGKILL daemon ${node}`);
    await fleet.kill(node);
    await delay(1_000);
    const until = Date.now();
    await fleet.start(node);
    return { kind: 'kill', node, at, until };
  }
  if (roll < 0.7) {
    const node = pick(nodes);
    log(`chaos: freeze daemon ${node} for ${FREEZE_MS} ms`);
    const d = fleet.daemons.get(node)!;
    d.signal('SIGSTOP');
    await delay(FREEZE_MS);
    d.signal('SIGCONT');
    return { kind: 'freeze', node, at, until: Date.now() };
  }
  const member = pick(zk.members);
  log(`chaos: kill ZooKeeper member ${member.id}, restart in 3 s`);
  await member.kill();
  await delay(3_000);
  await member.start();
  await zk.waitReady(60_000);
  return { kind: 'zk-restart', member: member.id, at };
}

/**
 * A non-final run is explained when the daemon that started it was later
 * killed or frozen, or logged losing that claim. A job process may write its
 * start line after its daemon was SIGKILLed (it runs on as an orphan), so a
 * kill covers every run on that node that started before its replacement
 * was spawned: nothing else could have started it.
 */
function explained(run: RunEvent, disruptions: Disruption[], logs: Map<string, string>): boolean {
  const startedMs = Number(run.ns / 1_000_000n);
  const hit = disruptions.some((d) => d.kind !== 'zk-restart' && d.node === run.node && startedMs <= d.until);
  if (hit) return true;
  const pattern = new RegExp(`(claim lost|discarded)[^\\n]*job=${run.job.replace('/', '\\/')}(\\s|$)`);
  return pattern.test(logs.get(run.node) ?? '');
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const began = Date.now();
  const zk = await startEnsemble(3);
  const root = freshRoot();
  const record = recordFile('chaos');
  const nodes = Array.from({ length: options.daemons }, (_, i) => `d${i + 1}`);
  const fleet = new Fleet(zk, root, options.slots);
  const disruptions: Disruption[] = [];
  try {
    await ok('zkjobq', ['create', '--zk', zk.connectString, '--root', root, 'default']);
    for (const node of nodes) await fleet.start(node);
    const ids = await submitRecorded(zk.connectString, root, record, options.jobs, options.jobSeconds);
    options.log(`chaos: ${ids.length} jobs submitted to ${nodes.length} daemons`);
    const chaosEnds = Date.now() + options.chaosMs;
    while (Date.now() < chaosEnds && readRunEvents(record).filter((e) => e.kind === 'end').length < ids.length) {
      disruptions.push(await disrupt(zk, fleet, nodes, options.log));
      await delay(1_000 + Math.random() * 2_000);
    }
    options.log(`chaos: disruptions over (${disruptions.length}); waiting for every result`);
    const results = await waitAllFinished(zk.connectString, root, ids.length, 300_000);
    fleet.collectLogs();
    for (const [node, log] of fleet.logs) writeFileSync(path.join(path.dirname(record), `${node}.log`), log);
    const events = readRunEvents(record);
    const starts = events.filter((e) => e.kind === 'start');
    const byJob = new Map<string, RunEvent[]>();
    for (const s of starts) byJob.set(s.job, [...(byJob.get(s.job) ?? []), s]);
    const rerun = [...byJob].filter(([, runs]) => runs.length > 1);
    const unexplained = rerun.flatMap(([, runs]) => runs.slice(0, -1).filter((r) => !explained(r, disruptions, fleet.logs)).map((r) => `${r.job} on ${r.node}`));
    const count = (kind: Disruption['kind']) => disruptions.filter((d) => d.kind === kind).length;
    const detail = (job: string) => [
      ...events.filter((e) => e.job === job).map((e) => `run ${e.kind} ${e.node} pid ${e.pid} at ${new Date(Number(e.ns / 1_000_000n)).toISOString()}`),
      ...[...fleet.logs].flatMap(([node, log]) => log.split('\n').filter((l) => l.includes(`job=${job} `) || l.endsWith(`job=${job}`)).map((l) => `${node}: ${l}`)),
    ];
    return {
      jobs: ids.length,
      results: new Set(results.filter((r) => r.result).map((r) => r.id)).size,
      succeeded: results.filter((r) => r.state === 'succeeded').length,
      neverRan: ids.filter((id) => !byJob.has(id)),
      disruptions: { kill: count('kill'), freeze: count('freeze'), 'zk-restart': count('zk-restart') },
      reruns: rerun.length,
      unexplainedReruns: unexplained,
      unexplainedDetail: [...new Set(unexplained.map((u) => u.split(' on ')[0]))].flatMap(detail),
      wallMs: Date.now() - began,
    };
  } finally {
    await fleet.stopAll();
    await zk.stop();
  }
}
