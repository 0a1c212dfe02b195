// Daemons for the benchmark, started on the bench's own ZooKeeper.
import { DaemonProcess, ok } from '../test/helpers/cli.js';
import type { ClaimStats } from '../src/claim.js';

export async function startFleet(connect: string, root: string, count: number, slots: number, queue = 'default'): Promise<DaemonProcess[]> {
  const daemons = Array.from({ length: count }, (_, i) => new DaemonProcess({ zk: connect, root, nodeId: `bench-${i + 1}`, slots, queues: [queue], args: ['--log-level', 'warn'] }));
  // With warn-level logs the start line is not printed: wait for registration instead.
  await Promise.all(daemons.map((d) => waitRegistered(connect, root, d)));
  return daemons;
}

async function waitRegistered(connect: string, root: string, d: DaemonProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if ((await ok('zkjobq', ['nodes', '--zk', connect, '--root', root])).includes(d.options.nodeId)) return;
    if (d.child.exitCode !== null) throw new Error(`daemon exited: ${d.log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`daemon ${d.options.nodeId} did not register`);
}

/** Stop every daemon and sum the claim counters they log on the way out. */
export async function stopFleet(daemons: DaemonProcess[]): Promise<ClaimStats> {
  await Promise.all(daemons.map((d) => d.stop()));
  const total: ClaimStats = { attempts: 0, won: 0, lost: 0 };
  for (const d of daemons) {
    for (const m of d.log.matchAll(/claim stats .*attempts=(\d+) won=(\d+) lost=(\d+)/g)) {
      total.attempts += Number(m[1]);
      total.won += Number(m[2]);
      total.lost += Number(m[3]);
    }
  }
  return total;
}
