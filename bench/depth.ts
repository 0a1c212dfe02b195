// Deep queues: batch submission rate, and the cost of claiming the head,
// listing a page and purging at depths of 1k, 100k and 1M pending jobs.
// From 100k on, the batch that fills the queue is also the batch figure
// (bench/batch.ts): raw pipelined creates of as many znodes are timed just
// before it and removed, so that both write into the same ZooKeeper.
import { bin, freshRoot, ok } from '../test/helpers/cli.js';
import { QueueClaimer } from '../src/claim.js';
import { log, median, repeat, report, RUNS, session } from './lib.js';
import { batchInput, rawCreates, reportRatio, timed } from './batch.js';

const DEPTHS = (process.env.BENCH_DEPTHS ?? '1000,100000,1000000').split(',').map(Number);
const PURGE_MAX = Number(process.env.BENCH_PURGE_MAX ?? 1_000_000);

/** Cold: a fresh claimer lists the head bucket; warm: the next claims from its cache. */
async function claimTimes(connect: string, root: string): Promise<{ cold: number; warm: number }> {
  const { zk, paths } = await session(connect, root);
  try {
    const claimer = new QueueClaimer(zk, paths, 'default', 'bench', () => 1);
    const taken = [];
    let t = performance.now();
    taken.push(await claimer.claimNext());
    const cold = performance.now() - t;
    const warm: number[] = [];
    for (let i = 0; i < 200; i++) {
      t = performance.now();
      taken.push(await claimer.claimNext());
      warm.push(performance.now() - t);
    }
    // Give the jobs back, as a daemon that stops would.
    for (const job of taken) if (job) await zk.deleteIfExists(paths.claim(job.id.queue, job.id.seq));
    return { cold, warm: median(warm) };
  } finally {
    zk.close();
  }
}

export async function measureDepths(connect: string): Promise<void> {
  const claims = new Map<number, { cold: number; warm: number }>();
  for (const depth of DEPTHS) {
    const root = freshRoot();
    await ok('zkjobq', ['create', '--zk', connect, '--root', root, 'default']);
    log(`filling a queue to depth ${depth}`);
    const raw = depth >= 100_000 ? rawCreates(connect, depth) : 0;
    const submit = timed([bin('zkjobc'), 'submit', '--zk', connect, '--root', root, '--batch', '-'], batchInput(depth));
    if (depth >= 100_000) {
      report(`batch submit of ${depth} jobs`, `${(submit.ms / 1000).toFixed(1)} s (${(depth / (submit.ms / 1000)).toFixed(0)} jobs/s)`);
      reportRatio(depth.toLocaleString('en-US'), [raw], [depth / (submit.ms / 1000)]);
    }
    const samples = await repeat(RUNS, () => claimTimes(connect, root));
    const c = { cold: median(samples.map((s) => s.cold)), warm: median(samples.map((s) => s.warm)) };
    claims.set(depth, c);
    report(`claim time at depth ${depth}: first (lists head bucket) / next`, `${c.cold.toFixed(1)} ms / ${c.warm.toFixed(2)} ms`);
    const list = timed([bin('zkjobq'), 'list', '--zk', connect, '--root', root, '--limit', '10']);
    report(`zkjobq list --limit 10 at depth ${depth}, wall`, `${list.ms.toFixed(0)} ms`);
    if (depth <= PURGE_MAX) {
      const purge = timed([bin('zkjobq'), 'purge', '--yes', '--zk', connect, '--root', root, 'default']);
      report(`zkjobq purge at depth ${depth}`, `${(purge.ms / 1000).toFixed(1)} s (${purge.stdout.trim()})`);
    }
  }
  const shallow = claims.get(DEPTHS[0]);
  const deepest = claims.get(DEPTHS[DEPTHS.length - 1]);
  if (shallow && deepest) {
    const ratio = deepest.warm / shallow.warm;
    report(`claim time ratio, depth ${DEPTHS[DEPTHS.length - 1]} / ${DEPTHS[0]} (next claim)`, ratio.toFixed(2), '<= 2', ratio <= 2);
  }
}
