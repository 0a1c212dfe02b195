// Reads what test/fixtures/record-run.sh wrote: one line per start and end.
import { readFileSync, existsSync } from 'node:fs';

export interface RunEvent {
  kind: 'start' | 'end';
  job: string;
  node: string;
  pid: number;
  ns: bigint;
}

export function readRunEvents(file: string): RunEvent[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [kind, job, node, pid, ns] = line.split(' ');
      return { kind: kind as 'start' | 'end', job, node, pid: Number(pid), ns: BigInt(ns) };
    });
}

/** How many executions each job had (counting starts). */
export function startsPerJob(events: RunEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of events) if (e.kind === 'start') counts.set(e.job, (counts.get(e.job) ?? 0) + 1);
  return counts;
}

/** The most executions that overlapped in time, from the jobs' own records. */
export function maxConcurrency(events: RunEvent[]): number {
  const sorted = [...events].sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : a.kind === 'end' ? -1 : 1));
  let now = 0;
  let max = 0;
  for (const e of sorted) {
    now += e.kind === 'start' ? 1 : -1;
    max = Math.max(max, now);
  }
  return max;
}

/** A line of test/fixtures/stubborn-run.sh: start, tick or end, and what follows. */
export interface Mark extends Omit<RunEvent, 'kind'> {
  kind: string;
  extra: string;
}

export function readMarks(file: string): Mark[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.split(' ').length >= 5)
    .map((line) => {
      const [kind, job, node, pid, ns, ...extra] = line.split(' ');
      return { kind, job, node, pid: Number(pid), ns: BigInt(ns), extra: extra.join(' ').trim() };
    });
}
