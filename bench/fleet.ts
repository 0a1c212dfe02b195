// Daemons for the benchmark, started on the bench's own ZooKeeper.
import { DaemonProcess } from '../test/helpers/cli.js';
import { session } from './lib.js';
import type { ClaimStats } from '../src/claim.js';

/**
 * `logLevel` info for a bench that reads what the daemons log when they stop
 * (stopFleet); warn otherwise, so that their logs cost the bench nothing.
 */
export async function startFleet(connect: string, root: string, count: number, slots: number, queue = 'default', logLevel: 'warn' | 'info' = 'warn'): Promise<DaemonProcess[]> {
  const daemons = Array.from({ length: count }, (_, i) => new DaemonProcess({ zk: connect, root, nodeId: `bench-${i + 1}`, slots, queues: [queue], args: ['--log-level', logLevel] }));
  try {
    // With warn-level logs the start line is not printed: wait for registration instead.
    await waitRegistered(connect, root, daemons);
  } catch (err) {
    // Or the daemons started so far outlive the bench, and its ZooKeeper.
    await Promise.all(daemons.map((d) => d.stop().catch(() => undefined)));
    throw err;
  }
  return daemons;
}

/**
 * Until every daemon's node record is there, read by one session of our
 * own: a `zkjobq nodes` per daemon every 100 ms loaded the machine enough
 * that 16 daemons could not all register within the minute.
 */
async function waitRegistered(connect: string, root: string, daemons: DaemonProcess[]): Promise<void> {
  const { zk, paths } = await session(connect, root);
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const names = new Set(await zk.childrenOrEmpty(paths.nodes()));
      const missing = daemons.filter((d) => !names.has(d.options.nodeId));
      if (missing.length === 0) return;
      const dead = daemons.find((d) => d.child.exitCode !== null);
      if (dead) throw new Error(`daemon exited: ${dead.log}`);
      if (Date.now() > deadline) throw new Error(`daemons ${missing.map((d) => d.options.nodeId).join(', ')} did not register`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    zk.close();
  }
}

export interface FleetStats extends ClaimStats {
  /** The daemons' ZooKeeper requests by method and path shape, summed (client.ts requestCounts). */
  requests: Map<string, number>;
}

/**
 * Stop every daemon and sum the claim counters and request counts they log
 * on the way out (at info level: started with logLevel info, or all zero).
 */
export async function stopFleet(daemons: DaemonProcess[]): Promise<FleetStats> {
  await Promise.all(daemons.map((d) => d.stop()));
  const total: FleetStats = { attempts: 0, won: 0, lost: 0, requests: new Map() };
  for (const d of daemons) {
    for (const m of d.log.matchAll(/claim stats .*attempts=(\d+) won=(\d+) lost=(\d+)/g)) {
      total.attempts += Number(m[1]);
      total.won += Number(m[2]);
      total.lost += Number(m[3]);
    }
    for (const [shape, n] of Object.entries(d.requestCounts() ?? {})) total.requests.set(shape, (total.requests.get(shape) ?? 0) + n);
  }
  return total;
}
