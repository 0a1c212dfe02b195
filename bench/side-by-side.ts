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

/** kazoo: `consumers` processes drain JOBS preloaded items; jobs/s from the go signal to the last consume. */
async function kazooRun(connect: string, consumers: number): Promise<number> {
  const queuePath = `/bench-kazoo/${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const fill = python([connect, queuePath, 'fill', String(JOBS)]);
  await exited(fill);
  const children = Array.from({ length: consumers }, () => python([connect, queuePath, 'consume']));
  const lines = children.map((c) => createInterface({ input: c.stdout! })[Symbol.asyncIterator]());
  for (const l of lines) if ((await l.next()).value !== 'ready') throw new Error('kazoo consumer did not start');
  const goAt = Date.now() / 1000;
  for (const c of children) c.stdin!.write('go\n');
  const reports = await Promise.all(lines.map(async (l) => String((await l.next()).value).split(' ').map(Number)));
  await Promise.all(children.map(exited));
  const done = reports.reduce((n, r) => n + r[0], 0);
  if (done !== JOBS) throw new Error(`kazoo consumers took ${done} of ${JOBS} items`);
  return JOBS / (Math.max(...reports.map((r) => r[2])) - goAt);
}

/**
 * zkjobs: JOBS preloaded into a paused queue, the daemons started and
 * registered, then the queue resumed: jobs/s from the resume to the last result.
 */
async function zkjobsRun(connect: string, daemons: number, slots: number): Promise<number> {
  const root = freshRoot();
  await ok('zkjobq', ['create', '--zk', connect, '--root', root, 'default']);
  const { zk, paths } = await session(connect, root);
  try {
    await setPaused(zk, paths, 'default', true);
    const input = Array.from({ length: JOBS }, () => '["/bin/true"]').join('\n');
    await ok('zkjobc', ['submit', '--zk', connect, '--root', root, '--batch', '-'], { input, timeoutMs: 120_000 });
    const fleet = await startFleet(connect, root, daemons, slots);
    const started = performance.now();
    await setPaused(zk, paths, 'default', false);
    while ((await countResults(zk, paths, 'default')) < JOBS) await new Promise((r) => setTimeout(r, 20));
    const jobsPerSecond = JOBS / ((performance.now() - started) / 1000);
    await stopFleet(fleet);
    return jobsPerSecond;
  } finally {
    zk.close();
  }
}

interface Round {
  kazoo2: number;
  zkjobs2: number;
  kazoo1: number;
  zkjobs1: number;
  spawn: number;
}

async function oneRound(connect: string): Promise<Round> {
  const kazoo2 = await kazooRun(connect, 2);
  const zkjobs2 = await zkjobsRun(connect, 2, DEFAULT_SLOTS);
  const kazoo1 = await kazooRun(connect, 1);
  const zkjobs1 = await zkjobsRun(connect, 1, 1);
  // As many at once as the two daemons run: the most they could reach.
  const spawn = await spawnRate(JOBS, 2 * DEFAULT_SLOTS, false);
  log(`side by side: kazoo x2 ${kazoo2.toFixed(0)}, zkjobs 2x${DEFAULT_SLOTS} ${zkjobs2.toFixed(0)}, kazoo x1 ${kazoo1.toFixed(0)}, zkjobs 1x1 ${zkjobs1.toFixed(0)}, spawn ${spawn.toFixed(0)} /s`);
  return { kazoo2, zkjobs2, kazoo1, zkjobs1, spawn };
}

export async function measureSideBySide(connect: string): Promise<void> {
  const rounds = await repeat(RUNS, () => oneRound(connect));
  const m = (pick: (r: Round) => number) => median(rounds.map(pick));
  const list = (pick: (r: Round) => number, digits = 0) => rounds.map((r) => pick(r).toFixed(digits)).join(' / ');
  report(`kazoo LockingQueue jobs/s, 2 consumers (${JOBS} /bin/true)`, `${m((r) => r.kazoo2).toFixed(0)} (runs ${list((r) => r.kazoo2)})`);
  report(`zkjobs jobs/s, 2 daemons x ${DEFAULT_SLOTS} slots (default)`, `${m((r) => r.zkjobs2).toFixed(0)} (runs ${list((r) => r.zkjobs2)})`);
  const vsKazoo = m((r) => r.zkjobs2 / r.kazoo2);
  report('throughput ratio zkjobs 2 daemons / kazoo 2 consumers', `${vsKazoo.toFixed(2)} (runs ${list((r) => r.zkjobs2 / r.kazoo2, 2)})`, '>= 3', vsKazoo >= 3);
  report(`Node raw spawn+reap of /bin/true per s, ${2 * DEFAULT_SLOTS} at once`, `${m((r) => r.spawn).toFixed(0)} (runs ${list((r) => r.spawn)})`);
  const vsSpawn = m((r) => r.zkjobs2 / r.spawn);
  report('throughput ratio zkjobs 2 daemons / raw spawn rate', `${vsSpawn.toFixed(2)} (runs ${list((r) => r.zkjobs2 / r.spawn, 2)})`, '>= 0.6', vsSpawn >= 0.6);
  report('kazoo LockingQueue jobs/s, 1 consumer', `${m((r) => r.kazoo1).toFixed(0)} (runs ${list((r) => r.kazoo1)})`);
  report('zkjobs jobs/s, 1 daemon x 1 slot', `${m((r) => r.zkjobs1).toFixed(0)} (runs ${list((r) => r.zkjobs1)})`);
  const perSlot = m((r) => r.zkjobs1 / r.kazoo1);
  report('per-slot turnaround ratio zkjobs 1x1 / kazoo 1 consumer', `${perSlot.toFixed(2)} (runs ${list((r) => r.zkjobs1 / r.kazoo1, 2)})`, '>= 2', perSlot >= 2);
}
