// Batch submit against its yardstick, side by side in one run: the raw
// rate of pipelined creates of as many znodes of the same size, in the same
// shape of tree (numbered znodes in buckets of 10,000, 512 requests in
// flight), by a bare client process (bench/zk-writer.ts), against
// `zkjobc submit --batch -` of that many `/bin/true` lines. Both are timed
// as new processes from spawn to exit, start and connect included, as a
// user runs them. Target (issue 15): batch >= 2/3 of raw.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bin, freshRoot, ok } from '../test/helpers/cli.js';
import { encodeJobSpec } from '../src/job-spec.js';
import { log, median, repeat, report, RUNS } from './lib.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const BATCH_TARGET = 2 / 3;

/** Wall time of a process run to its end; throws on a non-zero exit. */
export function timed(args: string[], input?: string): { ms: number; stdout: string } {
  const t = performance.now();
  const r = spawnSync(args[0], args.slice(1), { input, maxBuffer: 1 << 30, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms: performance.now() - t, stdout: r.stdout };
}

export function batchInput(count: number): string {
  return '["/bin/true"]\n'.repeat(count);
}

/** The size of the spec a batch line `["/bin/true"]` becomes (unsigned, as the bench submits). */
function specBytes(): number {
  const submitter = `${os.userInfo().username}@${os.hostname()}`;
  return encodeJobSpec({ argv: ['/bin/true'], submittedAt: new Date().toISOString(), submitter }).length;
}

/** Raw pipelined creates of `count` spec-sized znodes, bucketed; per second of process wall. Removed afterwards, untimed. */
export function rawCreates(connect: string, count: number): number {
  const writer = path.join(HERE, 'zk-writer.js');
  const parent = `/bench-raw/batch-${process.pid}-${Date.now()}`;
  const { ms } = timed([process.execPath, writer, connect, parent, String(count), String(specBytes()), 'buckets']);
  timed([process.execPath, writer, connect, parent, '0', '0', 'remove']);
  return count / (ms / 1000);
}

export function batchSubmit(connect: string, root: string, count: number): number {
  return count / (timed([bin('zkjobc'), 'submit', '--zk', connect, '--root', root, '--batch', '-'], batchInput(count)).ms / 1000);
}

export function reportRatio(count: string, raw: number[], batch: number[]): void {
  const ratios = raw.map((r, i) => batch[i] / r);
  const ratio = median(ratios);
  const each = ratios.length > 1 ? ` [${ratios.map((x) => x.toFixed(2)).join(', ')}]` : '';
  report(
    `batch submit / raw pipelined creates, ${count} jobs (jobs/s, process wall)`,
    `${ratio.toFixed(2)}${each} (${median(batch).toFixed(0)} / ${median(raw).toFixed(0)})`,
    '>= 0.67',
    ratio >= BATCH_TARGET,
  );
}

/** 20,000 jobs, alternating raw and batch in each round. */
export async function measureBatch(connect: string): Promise<void> {
  const raw: number[] = [];
  const batch: number[] = [];
  await repeat(RUNS, async () => {
    const root = freshRoot();
    await ok('zkjobq', ['create', '--zk', connect, '--root', root, 'default']);
    raw.push(rawCreates(connect, 20_000));
    batch.push(batchSubmit(connect, root, 20_000));
    log(`batch round: raw ${raw.at(-1)!.toFixed(0)}/s, batch ${batch.at(-1)!.toFixed(0)}/s`);
  });
  reportRatio('20,000', raw, batch);
}
