// The messages between the daemon and its job runner process (spawner.ts,
// spawner-process.ts), over the IPC channel of child_process.fork.
import type { RunOutcome, RunRequest } from './runner.js';
import type { SpoolOwner } from './output-spool.js';
import type { JobId } from '../job-id.js';

/** A RunRequest as it crosses the pipe: no streams, stdin as base64. */
export type WireRequest = Omit<RunRequest, 'stdin' | 'stdoutSink' | 'stderrSink'> & { stdin?: string };

/** Where the runner spools the job's full output (output-spool.ts). */
export interface WireSpool {
  dir: string;
  maxBytes: number;
  owner: SpoolOwner | null;
}

export type ToRunner =
  | { type: 'start'; n: number; id: JobId; request: WireRequest; spool: WireSpool }
  /** TERM the job's process groups, KILL after graceMs. */
  | { type: 'stop'; n: number; graceMs: number };

export type FromRunner =
  /** The job's processes exist: their group ids, so that the daemon can signal them itself. */
  | { type: 'started'; n: number; pids: number[] }
  /** Every stage has exited and the spool files are closed. */
  | { type: 'exited'; n: number; outcome: RunOutcome };
