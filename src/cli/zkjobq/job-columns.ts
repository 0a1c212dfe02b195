// The columns of zkjobq list: what happened to each job at a glance, like
// squeue and sacct together. Times in the table are local and short
// (today: HH:MM:SS); --json keeps ISO times. Durations have two units.
import type { JobStatus } from '../../status.js';
import { describeCommand } from '../../job-spec.js';
import { endedHow } from '../../result.js';
import { formatDuration } from '../../duration.js';
import { stdoutIsTerminal } from '../stdio.js';

type Column = (s: JobStatus, now: number) => string;

const ms = (iso: string | null | undefined): number | null => {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? null : t;
};

/** When it was submitted: the spec's own time, else the spec znode's. */
function submittedMs(s: JobStatus): number | null {
  return ms(s.spec?.submittedAt) ?? s.createdAt?.getTime() ?? null;
}

/** When the current (or last) attempt started. */
function startedMs(s: JobStatus): number | null {
  if (s.result) return ms(s.result.startedAt);
  return s.state === 'running' ? ms(s.claim?.since) : null;
}

/** Time spent queued: until it started, or until now while pending. */
function waitColumn(s: JobStatus, now: number): string {
  const submitted = submittedMs(s);
  if (submitted === null) return '-';
  const until = s.state === 'pending' ? now : startedMs(s) ?? (s.result ? ms(s.result.finishedAt) : null);
  return until === null ? '-' : formatDuration((until - submitted) / 1000);
}

/** Run time: so far while running, of the last attempt once finished. */
function elapsedColumn(s: JobStatus, now: number): string {
  const started = startedMs(s);
  if (started === null) return s.state === 'pending' ? '' : '-';
  const until = s.result ? ms(s.result.finishedAt) : now;
  return until === null ? '-' : formatDuration((until - started) / 1000);
}

/** The local time of day for today, else month-day and time. */
export function shortTime(t: number | null, now: number): string {
  if (t === null) return '-';
  const d = new Date(t);
  const time = d.toTimeString().slice(0, 8);
  if (new Date(now).toDateString() === d.toDateString()) return time;
  return `${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')} ${time.slice(0, 5)}`;
}

/** Pending: why it waits; finished: how it ended; running: nothing to say. */
function reasonOrExit(s: JobStatus): string {
  if (s.state === 'pending') return s.reason ?? '';
  if (!s.result) return s.problem ? `(${s.problem})` : '';
  if (s.unverified) return `not believed: ${s.unverified}`;
  if (s.result.state === 'cancelled') return s.result.exitCode === null && s.result.signal === null ? 'cancelled' : `cancelled, ${endedHow(s.result)}`;
  return endedHow(s.result);
}

/** Legacy: pending age, running elapsed or finished run time, in one column. */
function timeColumn(s: JobStatus, now: number): string {
  if (s.state === 'pending') return waitColumn(s, now);
  return elapsedColumn(s, now);
}

export const COLUMNS: Record<string, Column> = {
  JOB: (s) => s.id,
  NAME: (s) => s.spec?.name ?? '',
  STATE: (s) => s.state,
  'REASON/EXIT': reasonOrExit,
  NODE: (s) => s.node ?? '',
  SUBMITTED: (s, now) => shortTime(submittedMs(s), now),
  WAIT: waitColumn,
  ELAPSED: elapsedColumn,
  TIME: timeColumn,
  ATTEMPT: (s) => String(s.attempt),
  REASON: (s) => s.reason ?? s.result?.reason ?? '',
  EXIT: (s) => (s.result ? (s.result.signal ?? (s.result.exitCode === null ? '-' : String(s.result.exitCode))) : ''),
  COMMAND: (s) => (s.spec ? describeCommand(s.spec) : s.problem ? `(${s.problem})` : ''),
};

export const DEFAULT_FORMAT = 'JOB,NAME,STATE,REASON/EXIT,NODE,SUBMITTED,WAIT,ELAPSED';

const STATE_COLOURS: Record<string, string> = { pending: '33', running: '36', succeeded: '32', failed: '31', cancelled: '35', 'forged?': '1;31' };

/**
 * Colour for the state column: only on a terminal, and never with NO_COLOR
 * set (no-color.org). Applied after padding, so columns still line up.
 */
export function useColour(terminal = stdoutIsTerminal(), env = process.env): boolean {
  return terminal && !env.NO_COLOR && env.TERM !== 'dumb';
}

export function colourState(padded: string): string {
  const code = STATE_COLOURS[padded.trim()];
  return code ? `\x1b[${code}m${padded}\x1b[0m` : padded;
}
