// Side by side, alternating in one run, on the same ZooKeeper: zkjobs
// against kazoo's LockingQueue recipe (Debian's python3-kazoo, consumers
// that run /bin/true per item), and against Node's own spawn rate. The
// targets are ratios, because a 2-core machine shared with other work
// gives absolute figures that move from run to run; each ratio is taken
// within one round and the median of the rounds is reported.
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { freshRoot, ok, REPO } from '../test/helpers/cli.js';
import { setPaused } from '../src/queue.js';
import { countResults, log, median, repeat, report, RUNS, session } from './lib.js';
import { startFleet, stopFleet } from './fleet.js';
import { spawnRate } from './limits.js';
import { childrenOf, cpuMs } from './cpu.js';

const JOBS = Number(process.env.BENCH_KAZOO_JOBS ?? 2000);
/** Debian's python, which sees python3-kazoo whatever python is first on PATH. */
const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const CONSUMER = path.join(REPO, 'bench', 'kazoo-consumer.py');
/** zkjobd's default --slots. */
const DEFAULT_SLOTS = os.availableParallelism();

function python(args: string[]): ReturnType<typeof spawn> {
  return spawn(PYTHON, [CONSUMER, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
}

function exited(child: ReturnType<typeof spawn>): Promise<void> {
  return new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kazoo-consumer.py exited ${code}`)))));
}

/** A run's rate, and the CPU (ms) per job of the processes that did the work, by role. */
interface Run {
  rate: number;
  cpu: Record<string, number>;
}

/** kazoo: `consumers` processes drain JOBS preloaded items; jobs/s from the go signal to the last consume. */
async function kazooRun(connect: string, zkPid: number, consumers: number): Promise<Run> {
  const queuePath = `/bench-kazoo/${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const fill = python([connect, queuePath, 'fill', String(JOBS)]);
  await exited(fill);
  const children = Array.from({ length: consumers }, () => python([connect, queuePath, 'consume']));
  const lines = children.map((c) => createInterface({ input: c.stdout! })[Symbol.asyncIterator]());
  for (const l of lines) if ((await l.next()).value !== 'ready') throw new Error('kazoo consumer did not start');
  const cpuBefore = [zkPid, ...children.map((c) => c.pid!)].map(cpuMs);
  const goAt = Date.now() / 1000;
  for (const c of children) c.stdin!.write('go\n');
  const reports = await Promise.all(lines.map(async (l) => String((await l.next()).value).split(' ').map(Number)));
  // Read before they exit, their /bin/true runs included (reaped): after the report line a consumer only closes its session.
  const [zkCpu, ...consumerCpu] = [zkPid, ...children.map((c) => c.pid!)].map((pid, i) => cpuMs(pid) - cpuBefore[i]);
  await Promise.all(children.map(exited));
  const done = reports.reduce((n, r) => n + r[0], 0);
  if (done !== JOBS) throw new Error(`kazoo consumers took ${done} of ${JOBS} items`);
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  return { rate: JOBS / (Math.max(...reports.map((r) => r[2])) - goAt), cpu: { consumer: sum(consumerCpu) / JOBS, zookeeper: zkCpu / JOBS } };
}

/**
 * zkjobs: JOBS preloaded into a paused queue, the daemons started and
 * registered, then the queue resumed: jobs/s from the resume to the last result.
 */
async function zkjobsRun(connect: string, zkPid: number, daemons: number, slots: number): Promise<Run> {
  const root = freshRoot();
  await ok('zkjobq', ['create', '--zk', connect, '--root', root, 'default']);
  const { zk, paths } = await session(connect, root);
  try {
    await setPaused(zk, paths, 'default', true);
    const input = Array.from({ length: JOBS }, () => '["/bin/true"]').join('\n');
    await ok('zkjobc', ['submit', '--zk', connect, '--root', root, '--batch', '-'], { input, timeoutMs: 120_000 });
    const fleet = await startFleet(connect, root, daemons, slots);
    // The job runners start with the first job: their CPU counts from their start.
    const cpuBefore = new Map([zkPid, ...fleet.map((d) => d.pid)].map((pid) => [pid, cpuMs(pid)]));
    const started = performance.now();
    await setPaused(zk, paths, 'default', false);
    while ((await countResults(zk, paths, 'default')) < JOBS) await new Promise((r) => setTimeout(r, 20));
    const jobsPerSecond = JOBS / ((performance.now() - started) / 1000);
    const since = (pid: number) => cpuMs(pid) - (cpuBefore.get(pid) ?? 0);
    const sum = (pids: number[]) => pids.reduce((n, pid) => n + since(pid), 0) / JOBS;
    const cpu = { daemon: sum(fleet.map((d) => d.pid)), 'job runner and jobs': sum(fleet.flatMap((d) => childrenOf(d.pid))), zookeeper: sum([zkPid]) };
    await stopFleet(fleet);
    return { rate: jobsPerSecond, cpu };
  } finally {
    zk.close();
  }
}

interface Round {
  kazoo2: Run;
  zkjobs2: Run;
  kazoo1: Run;
  zkjobs1: Run;
  spawn: number;
  /** One at a time: the most any one slot could turn over, whatever the queue does around it. */
  spawn1: number;
  /** The same through execa, as the job runner starts every job. */
  execa1: number;
}

async function oneRound(connect: string, zkPid: number): Promise<Round> {
  const kazoo2 = await kazooRun(connect, zkPid, 2);
  const zkjobs2 = await zkjobsRun(connect, zkPid, 2, DEFAULT_SLOTS);
  const kazoo1 = await kazooRun(connect, zkPid, 1);
  const zkjobs1 = await zkjobsRun(connect, zkPid, 1, 1);
  // As many at once as the two daemons run: the most they could reach.
  const spawn = await spawnRate(JOBS, 2 * DEFAULT_SLOTS, false);
  const spawn1 = await spawnRate(JOBS, 1, false);
  const execa1 = await spawnRate(JOBS, 1, true);
  log(`side by side: kazoo x2 ${kazoo2.rate.toFixed(0)}, zkjobs 2x${DEFAULT_SLOTS} ${zkjobs2.rate.toFixed(0)}, kazoo x1 ${kazoo1.rate.toFixed(0)}, zkjobs 1x1 ${zkjobs1.rate.toFixed(0)}, spawn ${spawn.toFixed(0)} /s, one at a time ${spawn1.toFixed(0)} /s, through execa ${execa1.toFixed(0)} /s`);
  log(`CPU ms/job: kazoo x1 ${cpuText(kazoo1)}; zkjobs 1x1 ${cpuText(zkjobs1)}`);
  return { kazoo2, zkjobs2, kazoo1, zkjobs1, spawn, spawn1, execa1 };
}

const total = (run: Run) => Object.values(run.cpu).reduce((a, b) => a + b, 0);

function cpuText(run: Run): string {
  return `${Object.entries(run.cpu).map(([role, ms]) => `${role} ${ms.toFixed(2)}`).join(', ')}; total ${total(run).toFixed(2)}`;
}

/**
 * zkPid: the ZooKeeper server's process, whose CPU per job is reported
 * beside that of the consumers and daemons, so that a ratio that misses
 * comes with where each side's CPU went (on two cores, CPU is the bound).
 */
export async function measureSideBySide(connect: string, zkPid: number): Promise<void> {
  const rounds = await repeat(RUNS, () => oneRound(connect, zkPid));
  const m = (pick: (r: Round) => number) => median(rounds.map(pick));
  const list = (pick: (r: Round) => number, digits = 0) => rounds.map((r) => pick(r).toFixed(digits)).join(' / ');
  report(`kazoo LockingQueue jobs/s, 2 consumers (${JOBS} /bin/true)`, `${m((r) => r.kazoo2.rate).toFixed(0)} (runs ${list((r) => r.kazoo2.rate)})`);
  report(`zkjobs jobs/s, 2 daemons x ${DEFAULT_SLOTS} slots (default)`, `${m((r) => r.zkjobs2.rate).toFixed(0)} (runs ${list((r) => r.zkjobs2.rate)})`);
  const vsKazoo = m((r) => r.zkjobs2.rate / r.kazoo2.rate);
  report('throughput ratio zkjobs 2 daemons / kazoo 2 consumers', `${vsKazoo.toFixed(2)} (runs ${list((r) => r.zkjobs2.rate / r.kazoo2.rate, 2)})`, '>= 3', vsKazoo >= 3);
  report(`Node raw spawn+reap of /bin/true per s, ${2 * DEFAULT_SLOTS} at once`, `${m((r) => r.spawn).toFixed(0)} (runs ${list((r) => r.spawn)})`);
  const vsSpawn = m((r) => r.zkjobs2.rate / r.spawn);
  report('throughput ratio zkjobs 2 daemons / raw spawn rate', `${vsSpawn.toFixed(2)} (runs ${list((r) => r.zkjobs2.rate / r.spawn, 2)})`, '>= 0.6', vsSpawn >= 0.6);
  report('kazoo LockingQueue jobs/s, 1 consumer', `${m((r) => r.kazoo1.rate).toFixed(0)} (runs ${list((r) => r.kazoo1.rate)})`);
  report('zkjobs jobs/s, 1 daemon x 1 slot', `${m((r) => r.zkjobs1.rate).toFixed(0)} (runs ${list((r) => r.zkjobs1.rate)})`);
  const perSlot = m((r) => r.zkjobs1.rate / r.kazoo1.rate);
  report('per-slot turnaround ratio zkjobs 1x1 / kazoo 1 consumer', `${perSlot.toFixed(2)} (runs ${list((r) => r.zkjobs1.rate / r.kazoo1.rate, 2)})`, '>= 2', perSlot >= 2);
  // The ceiling of the ratio above: a slot starts one process after another,
  // and this is Node starting and reaping them with nothing else to do.
  report('  Node raw spawn+reap of /bin/true per s, one at a time / kazoo 1 consumer (the most a slot could reach)', `${m((r) => r.spawn1 / r.kazoo1.rate).toFixed(2)} (raw ${m((r) => r.spawn1).toFixed(0)}/s; runs ${list((r) => r.spawn1 / r.kazoo1.rate, 2)})`);
  report('  the same through execa, as the job runner starts jobs / kazoo 1 consumer', `${m((r) => r.execa1 / r.kazoo1.rate).toFixed(2)} (execa ${m((r) => r.execa1).toFixed(0)}/s; runs ${list((r) => r.execa1 / r.kazoo1.rate, 2)})`);
  report('  zkjobs 1x1 / the raw rate', `${m((r) => r.zkjobs1.rate / r.spawn1).toFixed(2)} (runs ${list((r) => r.zkjobs1.rate / r.spawn1, 2)})`);
  // Where the CPU went, per job, 1 daemon x 1 slot against 1 consumer (medians by role).
  for (const [name, pick] of [['kazoo 1 consumer', (r: Round) => r.kazoo1], ['zkjobs 1 daemon x 1 slot', (r: Round) => r.zkjobs1]] as const) {
    const roles = Object.keys(pick(rounds[0]).cpu);
    const byRole = roles.map((role) => `${role} ${m((r) => pick(r).cpu[role]).toFixed(2)}`).join(', ');
    report(`CPU ms per job, ${name}`, `${byRole}; total ${m((r) => total(pick(r))).toFixed(2)} (runs ${list((r) => total(pick(r)), 2)})`);
  }
  const cpuRatio = m((r) => total(r.zkjobs1) / total(r.kazoo1));
  report('CPU per job ratio zkjobs 1x1 / kazoo 1 consumer', `${cpuRatio.toFixed(2)} (runs ${list((r) => total(r.zkjobs1) / total(r.kazoo1), 2)})`);
}
