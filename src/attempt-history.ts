// A job's history, like sacct's job steps: every attempt with its node, its
// start and end, how it ended, and why the job ran again.
//
// Where it is kept. The claimer already rewrites the spec znode once per
// attempt (claim.ts step 3: its data version is the attempt number), so
// the attempt is written into that same set as one more entry of the
// spec's `runs` field: who started it and when. No extra write per job.
// An attempt that ends in a retry is closed by the daemon that retries it,
// in the set that starts the next one (daemon/job-table.ts). An attempt
// whose daemon died or lost its session is never closed by it: the next
// claimer finds it open and closes it as "node lost" (no live record of
// that node), "daemon restarted" (the node's record is younger than the
// attempt), or "session expired" (the node lives on).
//
// The result copies the history (with the last attempt closed by the
// result itself) when there was more than one attempt, or something to
// say about who cancelled it; the node signs the result with it, so a
// client with authorized_daemons believes the history only as far as it
// believes the result. `runs` is written by daemons, not by the submitter:
// it is left out of the submitter's signature (signature.ts), and a bad or
// hostile `runs` never fails a job: it is read as no history.
//
// Size: at most MAX_RUNS entries are kept (the first and the latest), each
// string cut to 200 characters, so the spec grows by a few KiB at most.
import type { Fields } from './record.js';
import { decodeJsonObject, encodeJson } from './record.js';

export interface Run {
  attempt: number;
  node: string;
  startedAt: string;
  /** Absent while it runs, and for an attempt whose daemon died before closing it. */
  endedAt?: string;
  exitCode?: number | null;
  signal?: string | null;
  /** How it ended: "exit 3", "signal KILL", "timeout", "node lost", "session expired", "succeeded"… */
  ended?: string;
  /** Why the job ran again after it: "retry", "node lost", "session expired", "daemon restarted". */
  rerun?: string;
}

/** Who cancelled a job: the client host and identity that asked. */
export interface CancelledBy {
  /** user@host of the client that asked. */
  by: string;
  /** Its ZooKeeper identity (digest user), when it had one. */
  zkUser?: string;
  at: string;
}

export const MAX_RUNS = 24;
const KEEP_FIRST = 4;
/** What `runs` may add to a spec znode beyond the submitter's own limit. */
export const MAX_HISTORY_BYTES = 32 * 1024;

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v.slice(0, 200) : undefined);
const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined);

/** One entry, or null when it is not one (hostile or corrupt entries are dropped, never fatal). */
function parseRun(value: unknown): Run | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const f = value as Fields;
  const attempt = int(f.attempt);
  const node = text(f.node);
  const startedAt = text(f.startedAt);
  if (attempt === undefined || node === undefined || startedAt === undefined) return null;
  const run: Run = { attempt, node, startedAt };
  const endedAt = text(f.endedAt);
  if (endedAt !== undefined) run.endedAt = endedAt;
  if (f.exitCode === null || int(f.exitCode) !== undefined) run.exitCode = (f.exitCode as number | null);
  if (f.signal === null || text(f.signal) !== undefined) run.signal = f.signal === null ? null : text(f.signal)!;
  for (const key of ['ended', 'rerun'] as const) {
    const v = text(f[key]);
    if (v !== undefined) run[key] = v;
  }
  return run;
}

/** The history in a decoded record's `runs` field (spec or result); [] when absent or unreadable. */
export function runsOf(fields: Fields): Run[] {
  const value = fields.runs ?? fields.history;
  if (!Array.isArray(value)) return [];
  return value.slice(0, MAX_RUNS).map(parseRun).filter((r): r is Run => r !== null);
}

/** The history kept in a spec znode's bytes. */
export function runsInSpec(specData: Buffer): Run[] {
  try {
    return runsOf(decodeJsonObject(specData, 'job spec', Infinity));
  } catch {
    return [];
  }
}

/** Keep the first few and the latest: the start of the story and its end. */
export function trimRuns(runs: Run[]): Run[] {
  return runs.length <= MAX_RUNS ? runs : [...runs.slice(0, KEEP_FIRST), ...runs.slice(runs.length - (MAX_RUNS - KEEP_FIRST))];
}

/** The spec's bytes with `runs` replaced; every other field as it was (the submitter's signature still holds). */
export function withRuns(specData: Buffer, runs: Run[]): Buffer {
  const fields = decodeJsonObject(specData, 'job spec', Infinity);
  return encodeJson({ ...fields, runs: trimRuns(runs) });
}

/** Close the open attempt (the last, if it has no end) with how it ended and why the job runs again. */
export function closeLast(runs: Run[], end: Omit<Run, 'attempt' | 'node' | 'startedAt'>): Run[] {
  const last = runs.at(-1);
  if (!last || last.endedAt !== undefined || last.ended !== undefined) return runs;
  return [...runs.slice(0, -1), { ...last, ...end }];
}

/**
 * The result's copy of the history: every attempt, the last closed by the
 * result. Undefined for a job that ran once (the result says it all), so
 * that the common result stays as small as it was.
 */
export function historyForResult(runs: Run[], last: { attempt: number; node: string; startedAt: string | null; finishedAt: string; exitCode: number | null; signal: string | null; ended: string }): Run[] | undefined {
  const earlier = runs.filter((r) => r.attempt < last.attempt);
  if (earlier.length === 0) return undefined;
  const final: Run = { attempt: last.attempt, node: last.node, startedAt: last.startedAt ?? last.finishedAt, endedAt: last.finishedAt, exitCode: last.exitCode, signal: last.signal, ended: last.ended };
  return trimRuns([...earlier, final]);
}
