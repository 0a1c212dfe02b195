// Placement: an untagged node's claim with 0 and with 100,000 `gpu` jobs
// (which it may not run) ahead of its own in the queue. Their requirement
// class is in their bucket's name, so the node never lists those buckets
// nor reads those specs: the two times should be alike (docs/placement.md).
// BENCH_PLACEMENT_AHEAD sizes the ineligible backlog (default 100000).
import { spawnSync } from 'node:child_process';
import { bin, freshRoot, ok } from '../test/helpers/cli.js';
import { QueueClaimer } from '../src/claim.js';
import { log, median, repeat, report, RUNS, session } from './lib.js';

const AHEAD = Number(process.env.BENCH_PLACEMENT_AHEAD ?? 100_000);
const OURS = 1_000;

function submitBatch(connect: string, root: string, line: string, count: number): void {
  const r = spawnSync(bin('zkjobc'), ['submit', '--zk', connect, '--root', root, '--batch', '-'], { input: `${line}\n`.repeat(count), maxBuffer: 1 << 30, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`batch submit exited ${r.status}: ${r.stderr}`);
}

/** A queue with `ahead` gpu jobs, then OURS plain ones. */
async function fill(connect: string, ahead: number): Promise<string> {
  const root = freshRoot();
  await ok('zkjobq', ['create', '--zk', connect, '--root', root, 'default']);
  if (ahead > 0) {
    log(`submitting ${ahead} gpu jobs`);
    submitBatch(connect, root, '{"argv":["/bin/true"],"require":["gpu"]}', ahead);
  }
  submitBatch(connect, root, '["/bin/true"]', OURS);
  return root;
}

/** First claim of a fresh claimer (lists pending/ and its buckets), then the median of the next ones. */
async function claimTimes(connect: string, root: string): Promise<{ cold: number; warm: number }> {
  const { zk, paths } = await session(connect, root);
  try {
    const claimer = new QueueClaimer(zk, paths, 'default', 'bench', () => 1, undefined, () => ({ tags: ['os=linux'], slots: 8, memTotal: 2 ** 34 }));
    const taken = [];
    let t = performance.now();
    taken.push(await claimer.claimNext());
    const cold = performance.now() - t;
    const warm: number[] = [];
    for (let i = 0; i < 100; i++) {
      t = performance.now();
      taken.push(await claimer.claimNext());
      warm.push(performance.now() - t);
    }
    if (taken.some((j) => !j || j.spec?.require)) throw new Error('the untagged claimer took a gpu job, or none');
    for (const job of taken) if (job) await zk.deleteIfExists(paths.claim(job.id.queue, job.id.seq));
    return { cold, warm: median(warm) };
  } finally {
    zk.close();
  }
}

export async function measurePlacement(connect: string): Promise<void> {
  const depths = [0, AHEAD];
  const roots = new Map<number, string>();
  for (const ahead of depths) roots.set(ahead, await fill(connect, ahead));
  // Let ZooKeeper settle after 100,000 creates (a snapshot is due), then
  // take the two kinds of runs in turn, so that the machine's own load
  // falls on both alike.
  await new Promise((r) => setTimeout(r, 10_000));
  const samples = new Map<number, { cold: number; warm: number }[]>(depths.map((d) => [d, []]));
  await repeat(RUNS, async () => {
    for (const ahead of depths) samples.get(ahead)!.push(await claimTimes(connect, roots.get(ahead)!));
  });
  const results = new Map<number, { cold: number; warm: number }>();
  for (const ahead of depths) {
    const s = samples.get(ahead)!;
    const c = { cold: median(s.map((x) => x.cold)), warm: median(s.map((x) => x.warm)) };
    results.set(ahead, c);
    report(`untagged node's claim, ${ahead} ineligible gpu jobs ahead: first / next`, `${c.cold.toFixed(1)} ms / ${c.warm.toFixed(2)} ms`);
  }
  const empty = results.get(0)!;
  const deep = results.get(AHEAD)!;
  report(`claim time ratio, ${AHEAD} ineligible ahead / none (first claim)`, (deep.cold / empty.cold).toFixed(2), '<= 2', deep.cold / empty.cold <= 2);
  report(`claim time ratio, ${AHEAD} ineligible ahead / none (next claim)`, (deep.warm / empty.warm).toFixed(2), '<= 2', deep.warm / empty.warm <= 2);
}
