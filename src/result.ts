// The terminal result of a job. Exactly one exists per job: it is created
// with create-if-absent, and whoever loses that race throws its own away.
import os from 'node:os';
import { DataError } from './errors.js';
import { decodeJsonObject, encodeJson, intField, nullableInt, nullableString, optionalString, rejectUnknownFields, stringField, type Fields } from './record.js';
import { runsOf, type CancelledBy, type Run } from './attempt-history.js';
import { parseJobSpec, type JobSpec } from './job-spec.js';
import { signatureField, type Signature } from './signature.js';

export type TerminalState = 'succeeded' | 'failed' | 'cancelled';
export const TERMINAL_STATES: readonly TerminalState[] = ['succeeded', 'failed', 'cancelled'];

export interface JobResult {
  state: TerminalState;
  exitCode: number | null;
  signal: string | null;
  /** Why a job failed without a plain exit code (bad spec, spawn error, timeout…). */
  reason: string | null;
  node: string;
  attempt: number;
  startedAt: string | null;
  finishedAt: string;
  stdoutTail: string;
  stderrTail: string;
  /** The spec the job ran with (null when it could not be parsed): the command for listings, and what a requeue resubmits. */
  spec: JobSpec | null;
  /** Every attempt, when there was more than one (attempt-history.ts). */
  history?: Run[];
  /** Who asked for a cancelled job to be cancelled. */
  cancelledBy?: CancelledBy;
  /** The node key's signature of the daemon that wrote it (node-key.ts); clients check it (result-trust.ts). */
  signature?: Signature;
}

/** What every result must say; the rest defaults to "no process ran" (no exit code, no output, finished now). */
export type ResultFields = Pick<JobResult, 'state' | 'reason' | 'node' | 'attempt' | 'spec'> & Partial<JobResult>;

/** The one place a result record is put together, so that every writer fills every field alike. */
export function makeResult(f: ResultFields): JobResult {
  return {
    state: f.state,
    exitCode: f.exitCode ?? null,
    signal: f.signal ?? null,
    reason: f.reason,
    node: f.node,
    attempt: f.attempt,
    startedAt: f.startedAt ?? null,
    finishedAt: f.finishedAt ?? new Date().toISOString(),
    stdoutTail: f.stdoutTail ?? '',
    stderrTail: f.stderrTail ?? '',
    spec: f.spec,
    ...(f.history ? { history: f.history } : {}),
    ...(f.cancelledBy ? { cancelledBy: f.cancelledBy } : {}),
  };
}

/** Bytes of stdout and of stderr kept in the result record. */
export const TAIL_BYTES = 64 * 1024;
const MAX_RESULT_BYTES = 900 * 1024;
const FIELDS = ['state', 'exitCode', 'signal', 'reason', 'node', 'attempt', 'startedAt', 'finishedAt', 'stdoutTail', 'stderrTail', 'spec', 'history', 'cancelledBy', 'signature'] as const;

export function parseResult(data: Buffer): JobResult {
  const what = 'job result';
  const fields = decodeJsonObject(data, what, MAX_RESULT_BYTES);
  rejectUnknownFields(fields, FIELDS, what);
  const state = stringField(fields, 'state', what);
  if (!TERMINAL_STATES.includes(state as TerminalState)) throw new DataError(`${what}: unknown state ${JSON.stringify(state)}`);
  const signature = signatureField(fields, what);
  return {
    state: state as TerminalState,
    exitCode: nullableInt(fields, 'exitCode', what),
    signal: nullableString(fields, 'signal', what),
    reason: nullableString(fields, 'reason', what),
    node: stringField(fields, 'node', what),
    attempt: intField(fields, 'attempt', what),
    startedAt: nullableString(fields, 'startedAt', what),
    finishedAt: stringField(fields, 'finishedAt', what),
    stdoutTail: stringField(fields, 'stdoutTail', what),
    stderrTail: stringField(fields, 'stderrTail', what),
    spec: specField(fields, what),
    ...(fields.history !== undefined ? { history: runsOf(fields) } : {}),
    ...(fields.cancelledBy !== undefined ? { cancelledBy: cancelledByField(fields, what) } : {}),
    ...(signature ? { signature } : {}),
  };
}

function specField(fields: Fields, what: string): JobSpec | null {
  if (fields.spec === null || fields.spec === undefined) return null;
  try {
    return parseJobSpec(Buffer.from(JSON.stringify(fields.spec)));
  } catch (err) {
    throw new DataError(`${what}: ${(err as Error).message}`);
  }
}

function cancelledByField(fields: Fields, what: string): CancelledBy {
  const value = fields.cancelledBy;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DataError(`${what}: "cancelledBy" must be an object`);
  const f = value as Fields;
  rejectUnknownFields(f, ['by', 'zkUser', 'at'], `${what} cancelledBy`);
  const zkUser = optionalString(f, 'zkUser', what);
  return { by: stringField(f, 'by', what), at: stringField(f, 'at', what), ...(zkUser !== undefined ? { zkUser } : {}) };
}

export function encodeResult(result: JobResult): Buffer {
  return encodeJson(result);
}

/** How a run ended, in a few words: "exit 1", "signal KILL", "timeout", or the reason. */
export function endedHow(r: Pick<JobResult, 'exitCode' | 'signal' | 'reason'>): string {
  if (r.reason === 'timeout' || r.reason?.startsWith('timed out')) return 'timeout';
  if (r.signal) return `signal ${r.signal.replace(/^SIG/, '')}`;
  if (r.exitCode !== null) return `exit ${r.exitCode}`;
  return r.reason ?? 'ended';
}

/** Exit status as a shell reports it: the code, or 128 + the signal number. */
export function shellStatus(exitCode: number | null, signal: string | null): number {
  if (exitCode !== null) return exitCode;
  const number = signal ? os.constants.signals[signal as NodeJS.Signals] : undefined;
  return number ? 128 + number : 1;
}
