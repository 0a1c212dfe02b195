// What a cluster-wide max_running costs: jobs per second and ZooKeeper
// requests per job for the same fleet (4 daemons x 2 slots) and the same
// /bin/true jobs, with no limit, a limit equal to the fleet's slots (never
// binding), and half of them (binding), measured in the same run.
import { fourLetter } from '../test/helpers/zk-server.js';
import { freshRoot, ok } from '../test/helpers/cli.js';
import { countResults, median, repeat, report, RUNS, session } from './lib.js';
import { startFleet, stopFleet } from './fleet.js';

const JOBS = Number(process.env.BENCH_LIMIT_JOBS ?? 2000);
const DAEMONS = 4;
const SLOTS = 2;

async function packetsReceived(port: number): Promise<number> {
  const mntr = await fourLetter(port, 'mntr');
  return Number(/zk_packets_received\s+(\d+)/.exec(mntr)?.[1] ?? NaN);
}

async function oneRun(connect: string, port: number, limit: number | null): Promise<{ jobsPerSecond: number; requestsPerJob: number }> {
  const root = freshRoot();
  await ok('zkjobq', ['create', '--zk', connect, '--root', root, '--max-running', limit === null ? 'none' : String(limit), 'default']);
  const fleet = await startFleet(connect, root, DAEMONS, SLOTS);
  const { zk, paths } = await session(connect, root);
  const before = await packetsReceived(port);
  const started = Date.now();
  await ok('zkjobc', ['submit', '--zk', connect, '--root', root, '--batch', '-'], { input: Array.from({ length: JOBS }, () => '["/bin/true"]').join('\n'), timeoutMs: 120_000 });
  while ((await countResults(zk, paths, 'default')) < JOBS) await new Promise((r) => setTimeout(r, 100));
  const seconds = (Date.now() - started) / 1000;
  const after = await packetsReceived(port);
  zk.close();
  await stopFleet(fleet);
  return { jobsPerSecond: JOBS / seconds, requestsPerJob: (after - before) / JOBS };
}

export async function measureQueueLimit(connect: string, port: number): Promise<void> {
  const settings: (number | null)[] = [null, DAEMONS * SLOTS, (DAEMONS * SLOTS) / 2];
  const runs = await repeat(RUNS, async () => {
    const row = [];
    for (const limit of settings) row.push(await oneRun(connect, port, limit));
    return row;
  });
  settings.forEach((limit, i) => {
    const rate = median(runs.map((r) => r[i].jobsPerSecond));
    const requests = median(runs.map((r) => r[i].requestsPerJob));
    report(`max_running ${limit ?? 'none'}, ${DAEMONS} daemons x ${SLOTS} slots, /bin/true`, `${rate.toFixed(0)} jobs/s, ${requests.toFixed(1)} requests/job`);
  });
}
