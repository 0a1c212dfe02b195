// No herd: ZooKeeper requests per completed job (from the server's own
// packet counter) and failed claim attempts per job, at 1, 4 and 16 daemons.
import { fourLetter } from '../test/helpers/zk-server.js';
import { freshRoot, ok } from '../test/helpers/cli.js';
import { countResults, report, session } from './lib.js';
import { startFleet, stopFleet } from './fleet.js';

const JOBS = Number(process.env.BENCH_HERD_JOBS ?? 2000);

async function packetsReceived(port: number): Promise<number> {
  const mntr = await fourLetter(port, 'mntr');
  return Number(/zk_packets_received\s+(\d+)/.exec(mntr)?.[1] ?? NaN);
}

export async function measureHerd(connect: string, port: number): Promise<void> {
  for (const daemons of [1, 4, 16]) {
    const root = freshRoot();
    await ok('zkjobq', ['create', '--zk', connect, '--root', root, 'default']);
    const fleet = await startFleet(connect, root, daemons, 2);
    const { zk, paths } = await session(connect, root);
    const before = await packetsReceived(port);
    await ok('zkjobc', ['submit', '--zk', connect, '--root', root, '--batch', '-'], { input: Array.from({ length: JOBS }, () => '["/bin/true"]').join('\n'), timeoutMs: 120_000 });
    while ((await countResults(zk, paths, 'default')) < JOBS) await new Promise((r) => setTimeout(r, 100));
    const after = await packetsReceived(port);
    zk.close();
    const stats = await stopFleet(fleet);
    report(`ZooKeeper requests per job, ${daemons} daemon(s)`, `${((after - before) / JOBS).toFixed(1)} (failed claims/job ${(stats.lost / JOBS).toFixed(3)})`);
  }
}
