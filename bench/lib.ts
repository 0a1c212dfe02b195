// Shared pieces of the benchmark: statistics, timing, result counting, and
// the table every figure lands in.
import { connectTo } from '../test/helpers/zk.js';
import type { ZkClient } from '../src/zk/client.js';
import type { Paths } from '../src/zk/paths.js';

export const RUNS = Number(process.env.BENCH_RUNS ?? 3);

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

export async function repeat<T>(runs: number, once: (run: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < runs; i++) out.push(await once(i));
  return out;
}

export function log(line: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
}

/** Results of a queue, counted from the bucket znodes' child counts: no listing. */
export async function countResults(zk: ZkClient, paths: Paths, queue: string): Promise<number> {
  const buckets = await zk.childrenOrEmpty(paths.results(queue));
  const stats = await Promise.all(buckets.map((b) => zk.exists(paths.resultBucket(queue, b))));
  return stats.reduce((n, s) => n + (s?.numChildren ?? 0), 0);
}

export async function session(connect: string, root: string): Promise<{ zk: ZkClient; paths: Paths }> {
  return connectTo(connect, root);
}

export interface Row {
  figure: string;
  value: string;
  target: string;
  met: string;
}

export const rows: Row[] = [];

export function report(figure: string, value: string, target = '', met: boolean | null = null): void {
  rows.push({ figure, value, target, met: met === null ? '' : met ? 'yes' : 'NO' });
  log(`${figure}: ${value}${target ? ` (target ${target})` : ''}`);
}

export function printTable(): void {
  const widths = ['figure', 'value', 'target', 'met'].map((k) => Math.max(k.length, ...rows.map((r) => r[k as keyof Row].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  console.log(line(['figure', 'value', 'target', 'met']));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line([r.figure, r.value, r.target, r.met]));
}
