// No herd, and what a job costs the ensemble: ZooKeeper requests per job
// (the server's own packet counter, mntr's zk_packets_received) and writes
// per job (the zxid, which every write transaction advances, failed ones
// included: srvr's Zxid), at 1, 4 and 16 daemons. The jobs are submitted
// into a paused queue and the queue then resumed, so that the submission
// (one create per job) and the daemons' own work are counted apart; the
// targets are judged on the total, the cost of a job from submit to result.
import { fourLetter } from '../test/helpers/zk-server.js';
import { freshRoot, ok } from '../test/helpers/cli.js';
import { setPaused } from '../src/queue.js';
import { countResults, report, session } from './lib.js';
import { startFleet, stopFleet } from './fleet.js';
import { submitJob } from '../src/submit.js';
import { waitForResult } from '../src/wait.js';

const JOBS = Number(process.env.BENCH_HERD_JOBS ?? 2000);

interface Counters {
  packets: number;
  zxid: number;
}

async function counters(port: number): Promise<Counters> {
  const [mntr, srvr] = [await fourLetter(port, 'mntr'), await fourLetter(port, 'srvr')];
  return { packets: Number(/zk_packets_received\s+(\d+)/.exec(mntr)?.[1] ?? NaN), zxid: Number(/Zxid:\s+(0x[0-9a-f]+)/i.exec(srvr)?.[1] ?? NaN) };
}

/** The daemons' commonest requests per job, by method and path shape below the queue: what a change to the claim path moves. */
function topShapes(requests: Map<string, number>): string {
  const short = (shape: string) => shape.replace(/^aw?_/, '').replace(/ \/N\/queues\/default\//, ' ');
  return [...requests].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([shape, n]) => `${(n / JOBS).toFixed(2)} ${short(shape)}`).join(', ');
}

const perJob = (a: Counters, b: Counters) => ({ requests: (b.packets - a.packets) / JOBS, writes: (b.zxid - a.zxid) / JOBS });

export async function measureHerd(connect: string, port: number): Promise<void> {
  let single = NaN;
  for (const daemons of [1, 4, 16]) {
    const root = freshRoot();
    await ok('zkjobq', ['create', '--zk', connect, '--root', root, 'default']);
    const { zk, paths } = await session(connect, root);
    await setPaused(zk, paths, 'default', true);
    const fleet = await startFleet(connect, root, daemons, 2, 'default', 'info');
    const before = await counters(port);
    await ok('zkjobc', ['submit', '--zk', connect, '--root', root, '--batch', '-'], { input: Array.from({ length: JOBS }, () => '["/bin/true"]').join('\n'), timeoutMs: 120_000 });
    const submitted = await counters(port);
    await setPaused(zk, paths, 'default', false);
    while ((await countResults(zk, paths, 'default')) < JOBS) await new Promise((r) => setTimeout(r, 100));
    const after = await counters(port);
    zk.close();
    const stats = await stopFleet(fleet);
    const total = perJob(before, after);
    const submit = perJob(before, submitted);
    const run = perJob(submitted, after);
    if (daemons === 1) single = total.requests;
    const detail = `(submit ${submit.requests.toFixed(1)} + daemons ${run.requests.toFixed(1)}; failed claims/job ${(stats.lost / JOBS).toFixed(3)})`;
    const [target, met] = daemons === 1 ? ['<= 6', total.requests <= 6] : daemons === 16 ? [`<= 1.2 x 1 daemon's (${(1.2 * single).toFixed(1)})`, total.requests <= 1.2 * single] : ['', null];
    report(`ZooKeeper requests per job, ${daemons} daemon(s) x 2 slots`, `${total.requests.toFixed(1)} ${detail}`, target, met);
    report(`  where the daemons' requests go, per job, ${daemons} daemon(s)`, topShapes(stats.requests));
    report(`ZooKeeper writes per job, ${daemons} daemon(s) x 2 slots`, `${total.writes.toFixed(1)} (submit ${submit.writes.toFixed(1)} + daemons ${run.writes.toFixed(1)})`, '<= 4', total.writes <= 4);
  }
}

const TRICKLE_JOBS = Number(process.env.BENCH_TRICKLE_JOBS ?? 50);

/**
 * A trickle: one job at a time, each submitted once the one before has its
 * result (a script calling `zkjobc submit --wait` in a loop), to one daemon
 * with 2 slots. The preloaded queue above never lets the daemon go idle; a
 * trickle wakes it for every job. Counted by the daemon itself (its request
 * counts at stop), less what a daemon that ran no job spent over its start
 * and stop, so that neither the submitter's requests nor the start count.
 */
export async function measureTrickle(connect: string): Promise<void> {
  const lifeOnly = await daemonRequests(connect, 0);
  const withJobs = await daemonRequests(connect, TRICKLE_JOBS);
  const requests = new Map([...withJobs].map(([shape, n]) => [shape, n - (lifeOnly.get(shape) ?? 0)]));
  const total = [...requests.values()].reduce((a, b) => a + b, 0);
  const short = (shape: string) => shape.replace(/^aw?_/, '').replace(/ \/N\/queues\/default\//, ' ');
  const top = [...requests].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([shape, n]) => `${(n / TRICKLE_JOBS).toFixed(2)} ${short(shape)}`).join(', ');
  report(`daemon's ZooKeeper requests per job, ${TRICKLE_JOBS} jobs one at a time, 1 daemon x 2 slots`, `${(total / TRICKLE_JOBS).toFixed(1)} (${top})`);
}

/** The request counts of one daemon that ran `jobs` jobs, one at a time, from its start to its stop. */
async function daemonRequests(connect: string, jobs: number): Promise<Map<string, number>> {
  const root = freshRoot();
  await ok('zkjobq', ['create', '--zk', connect, '--root', root, 'default']);
  const { zk, paths } = await session(connect, root);
  const fleet = await startFleet(connect, root, 1, 2, 'default', 'info');
  try {
    for (let i = 0; i < jobs; i++) await waitForResult(zk, paths, await submitJob(zk, paths, 'default', { argv: ['/bin/true'], submittedAt: new Date().toISOString() }));
  } finally {
    zk.close();
  }
  return (await stopFleet(fleet)).requests;
}
