// How long `zkjobq check` takes on a deep queue: every pending spec is read
// and parsed, bucket by bucket, with WINDOW reads in flight. The depth is
// BENCH_CHECK_DEPTH (default 100,000; the README's figure is for 1,000,000).
import { spawnSync } from 'node:child_process';
import { bin, freshRoot, ok } from '../test/helpers/cli.js';
import { log, median, repeat, report, RUNS } from './lib.js';

const DEPTH = Number(process.env.BENCH_CHECK_DEPTH ?? 100_000);

function timed(args: string[], input?: string, expect = 0): { ms: number; stdout: string } {
  const t = performance.now();
  const r = spawnSync(args[0], args.slice(1), { input, maxBuffer: 1 << 30, encoding: 'utf8' });
  if (r.status !== expect) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms: performance.now() - t, stdout: r.stdout };
}

export async function measureCheck(connect: string): Promise<void> {
  const root = freshRoot();
  await ok('zkjobq', ['create', '--zk', connect, '--root', root, 'default']);
  log(`filling a queue to depth ${DEPTH} for check`);
  timed([bin('zkjobc'), 'submit', '--zk', connect, '--root', root, '--batch', '-'], '["/bin/true"]\n'.repeat(DEPTH));
  const times = await repeat(RUNS, async () => timed([bin('zkjobq'), 'check', '--zk', connect, '--root', root, 'default']).ms);
  const ms = median(times);
  report(`zkjobq check of ${DEPTH} pending jobs, wall`, `${(ms / 1000).toFixed(1)} s (${Math.round(DEPTH / (ms / 1000))} jobs/s)`);
}
