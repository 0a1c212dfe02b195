// The status page's data at depth: how long one refresh of the cluster view
// takes, and how many ZooKeeper reads it makes, on a queue of 1,000 and of
// 1,000,000 pending jobs (BENCH_STATUS_DEPTHS). Cold is the first refresh
// (lists the head bucket, reads the head specs); warm is the median of the
// next ones, which is what every open page costs each refresh interval.
import { spawnSync } from 'node:child_process';
import { bin, freshRoot, ok } from '../test/helpers/cli.js';
import { ClusterView } from '../src/status/cluster-view.js';
import { log, median, report, session } from './lib.js';

const DEPTHS = (process.env.BENCH_STATUS_DEPTHS ?? '1000,1000000').split(',').map(Number);
const WARM_RUNS = 9;

export async function measureStatus(connect: string): Promise<void> {
  const warm = new Map<number, number>();
  for (const depth of DEPTHS) {
    const root = freshRoot();
    await ok('zkjobq', ['create', '--zk', connect, '--root', root, 'default']);
    log(`filling a queue to depth ${depth} for the status page`);
    const r = spawnSync(bin('zkjobc'), ['submit', '--zk', connect, '--root', root, '--batch', '-'], { input: '["/bin/true"]\n'.repeat(depth), maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`batch submit exited ${r.status}: ${r.stderr}`);
    const { zk, paths } = await session(connect, root);
    try {
      const view = new ClusterView(() => zk, paths);
      const cold = await view.refresh();
      if (cold.queues[0]?.pending !== depth) throw new Error(`the view counts ${cold.queues[0]?.pending} pending, not ${depth}`);
      const times: number[] = [];
      let reads = 0;
      for (let i = 0; i < WARM_RUNS; i++) {
        const s = await view.refresh();
        times.push(s.cost.ms);
        reads = s.cost.reads;
      }
      warm.set(depth, median(times));
      report(`status page data at ${depth} pending: first / next refresh (ZooKeeper reads)`, `${cold.cost.ms} ms (${cold.cost.reads}) / ${median(times).toFixed(0)} ms (${reads})`);
    } finally {
      zk.close();
    }
    await ok('zkjobq', ['purge', '--zk', connect, '--root', root, '--yes', 'default'], { timeoutMs: 1_800_000 });
  }
  const [shallow, deepest] = [warm.get(DEPTHS[0]), warm.get(DEPTHS[DEPTHS.length - 1])];
  if (shallow !== undefined && deepest !== undefined && DEPTHS.length > 1) {
    report(`status page refresh at ${DEPTHS[DEPTHS.length - 1]} pending`, `${deepest.toFixed(0)} ms`, '< 1000 ms', deepest < 1000);
  }
}
