// A daemon's resident memory over many jobs: read from /proc after a
// warm-up and again after BENCH_RSS_JOBS jobs (default 100,000). The job
// runner (daemon/spawner-process.ts) is a process of its own, forked by the
// daemon: its memory is shown beside the daemon's, and the target is judged
// on the daemon's (as it was before the runner existed), on the daemon's with
// what the runner adds to it (its private pages: the rest, Node's own code
// above all, are the same pages as the daemon's, a fork's), and on the plain
// sum of both RSS figures, which counts those shared pages twice.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { freshRoot, ok } from '../test/helpers/cli.js';
import { countResults, log, report, session } from './lib.js';
import { startFleet, stopFleet } from './fleet.js';

const JOBS = Number(process.env.BENCH_RSS_JOBS ?? 100_000);
const CHUNK = 10_000;

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

/** Pages that no other process maps: what this process adds to the machine's memory in use. */
function privateMb(pid: number): number {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(rollup)![1]);
  return (kb('Private_Clean') + kb('Private_Dirty')) / 1024;
}

/** The daemon's child processes: its job runner (jobs are the runner's children, not the daemon's). */
function runnerPids(daemonPid: number): number[] {
  const out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(daemonPid)], { encoding: 'utf8' }).trim();
  return out === '' ? [] : out.split(/\s+/).map(Number);
}

const runnerRssMb = (daemonPid: number) => runnerPids(daemonPid).reduce((mb, pid) => mb + rssMb(pid), 0);
const runnerPrivateMb = (daemonPid: number) => runnerPids(daemonPid).reduce((mb, pid) => mb + privateMb(pid), 0);

export async function measureMemory(connect: string): Promise<void> {
  const root = freshRoot();
  await ok('zkjobq', ['create', '--zk', connect, '--root', root, 'default']);
  const [daemon] = await startFleet(connect, root, 1, 8);
  const { zk, paths } = await session(connect, root);
  const chunk = Array.from({ length: CHUNK }, () => '["/bin/true"]').join('\n');
  let warm = 0;
  try {
    // Submitted a chunk at a time, with the daemon going idle in between,
    // so that its idle watches fire and re-arm as they would over months.
    for (let done = 0; done < JOBS; done += CHUNK) {
      await ok('zkjobc', ['submit', '--zk', connect, '--root', root, '--batch', '-'], { input: chunk, timeoutMs: 120_000 });
      while ((await countResults(zk, paths, 'default')) < done + CHUNK) await new Promise((r) => setTimeout(r, 200));
      if (done === 0) warm = rssMb(daemon.pid);
      log(`memory: ${done + CHUNK} jobs, daemon RSS ${rssMb(daemon.pid).toFixed(1)} MB, job runner ${runnerRssMb(daemon.pid).toFixed(1)} MB (private ${runnerPrivateMb(daemon.pid).toFixed(1)} MB)`);
    }
    const final = rssMb(daemon.pid);
    const runner = runnerRssMb(daemon.pid);
    const runnerOwn = runnerPrivateMb(daemon.pid);
    report(`daemon RSS after ${CHUNK} jobs / after ${JOBS} jobs`, `${warm.toFixed(1)} MB / ${final.toFixed(1)} MB`, '<= 150 MB', final <= 150);
    report(`daemon RSS + job runner's private memory after ${JOBS} jobs`, `${(final + runnerOwn).toFixed(1)} MB (runner ${runnerOwn.toFixed(1)} MB of its own)`, '<= 150 MB', final + runnerOwn <= 150);
    report(`daemon RSS + job runner RSS after ${JOBS} jobs (shared pages twice)`, `${(final + runner).toFixed(1)} MB (runner ${runner.toFixed(1)} MB)`, '<= 150 MB', final + runner <= 150);
  } finally {
    zk.close();
    await stopFleet([daemon]);
  }
}
