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

/**
 * The daemon log lines that say a run's claim was lost, one per lost run:
 * killed by the fence (disconnected too long, or the session expired), or
 * finished but its spooled result dropped because the session expired.
 * Only these make a re-run legitimate (a job runs twice only after a lost
 * session or a killed daemon). Not "claim lost before publishing": that is
 * what a run says whose claim was never its own, the bug itself. Coupled
 * to the wording in src/daemon/job-table.ts on purpose: a change there must
 * come here too, or re-runs will look unexplained.
 */
const LOST_RUN = /killing job: claim lost|result discarded: the session expired/;

/**
 * Jobs that ran more often than lost claims explain, as "job: N runs, M
 * lost claims": each run after the first needs a daemon to have logged the
 * loss of that job's claim. For tests without killed daemons.
 */
export function unexplainedReruns(events: RunEvent[], daemonLogs: string[]): string[] {
  const lost = new Map<string, number>();
  for (const line of daemonLogs.join('\n').split('\n')) {
    const job = / job=(\S+)/.exec(line)?.[1];
    if (job && LOST_RUN.test(line)) lost.set(job, (lost.get(job) ?? 0) + 1);
  }
  const found: string[] = [];
  for (const [job, runs] of startsPerJob(events)) {
    const losses = lost.get(job) ?? 0;
    if (runs - 1 > losses) found.push(`${job}: ${runs} runs, ${losses} lost claims`);
  }
  return found;
}
