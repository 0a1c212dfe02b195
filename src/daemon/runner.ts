// Runs one job as child processes, never through a shell: one process per
// pipeline stage, each stage's stdout connected to the next one's stdin by
// the daemon. Every stage leads its own process group (Node can start a
// group but not join one), and stopping a job signals all of them.
import { execa, type ResultPromise } from 'execa';
import { TailBuffer } from './tail-buffer.js';
import { TAIL_BYTES } from '../result.js';
import type { Writable } from 'node:stream';
import { statSync, type Stats } from 'node:fs';

export interface RunRequest {
  stages: string[][];
  env: Record<string, string>;
  cwd?: string;
  stdin?: Buffer;
  uid?: number;
  gid?: number;
  /** Kill the job after this long; its outcome says timedOut. */
  timeoutMs?: number;
  killGraceMs: number;
  /** Where the full output goes, besides the tails (the spool). */
  stdoutSink?: Writable;
  stderrSink?: Writable;
}

export interface RunOutcome {
  exitCode: number | null;
  signal: string | null;
  /** Set when a stage could not be started at all, or the job timed out. */
  reason: string | null;
  timedOut: boolean;
  /** The job runner process died under the job: how it ended is unknown (spawner.ts). */
  runnerDied?: boolean;
  startedAt: string;
  finishedAt: string;
  stdoutTail: string;
  stderrTail: string;
}

export interface RunningProcess {
  pids: number[];
  done: Promise<RunOutcome>;
  /** TERM every stage's process group, then KILL them after graceMs. */
  stop(graceMs: number): void;
}

type StageResult = Awaited<ResultPromise>;

export function startProcess(request: RunRequest): RunningProcess {
  const startedAt = new Date().toISOString();
  const stdout = new TailBuffer(TAIL_BYTES);
  const stderr = new TailBuffer(TAIL_BYTES);
  const children = request.stages.map((argv, i) => spawnStage(argv, request, i === 0));
  connectStages(children, request, stdout, stderr);
  const pids = children.map((c) => c.pid).filter((p): p is number => p !== undefined);
  let timedOut = false;
  const settled = Promise.all(children.map((c) => c.catch((e) => e as StageResult)));
  const stop = (graceMs: number) => stopGroups(pids, graceMs, settled);
  const timer = request.timeoutMs ? setTimeout(() => ((timedOut = true), stop(request.killGraceMs)), request.timeoutMs) : null;
  const done = settled.then((results) => {
    if (timer) clearTimeout(timer);
    return { ...explainSpawnFailure(pipefail(results), request, results), ...(timedOut ? { reason: 'timeout' } : {}), timedOut, startedAt, finishedAt: new Date().toISOString(), stdoutTail: stdout.text(), stderrTail: stderr.text() };
  });
  return { pids, done, stop };
}

function spawnStage(argv: string[], request: RunRequest, first: boolean): ResultPromise {
  return execa(argv[0], argv.slice(1), {
    env: request.env,
    extendEnv: false,
    cwd: request.cwd,
    uid: request.uid,
    gid: request.gid,
    stdin: first ? (request.stdin ? 'pipe' : 'ignore') : 'pipe',
    buffer: false,
    reject: false,
    detached: true,
    cleanup: false,
  });
}

function connectStages(children: ResultPromise[], request: RunRequest, stdout: TailBuffer, stderr: TailBuffer): void {
  const ignoreEpipe = (s: Writable | null) => s?.on('error', () => undefined); // a stage that exits early closes its input
  children.forEach((c) => ignoreEpipe(c.stdin));
  if (request.stdin && children[0].stdin) children[0].stdin.end(request.stdin);
  for (let i = 0; i + 1 < children.length; i++) children[i].stdout?.pipe(children[i + 1].stdin!);
  const last = children[children.length - 1];
  last.stdout?.on('data', (c: Buffer) => {
    stdout.push(c);
    request.stdoutSink?.write(c);
  });
  for (const child of children) {
    child.stderr?.on('data', (c: Buffer) => {
      stderr.push(c);
      request.stderrSink?.write(c);
    });
  }
}

/** bash's pipefail: the rightmost stage that failed decides; a spawn failure gives the shell's 127/126. */
export function pipefail(results: Pick<StageResult, 'exitCode' | 'signal' | 'failed' | 'code'>[]): { exitCode: number | null; signal: string | null; reason: string | null } {
  const failures = results.filter((r) => r.exitCode !== 0 || r.signal !== undefined);
  const spawnError = results.find((r) => r.exitCode === undefined && r.signal === undefined && r.failed);
  if (spawnError) {
    return { exitCode: spawnFailureCode(spawnError.code), signal: null, reason: `cannot start command: ${spawnError.code ?? 'unknown error'}` };
  }
  const decisive = failures.at(-1);
  if (!decisive) return { exitCode: 0, signal: null, reason: null };
  return { exitCode: decisive.signal ? null : (decisive.exitCode ?? null), signal: decisive.signal ?? null, reason: null };
}

/**
 * A stage that cannot start: ENOENT comes both for a missing command and for
 * a missing working directory, so look at the directory before blaming the
 * command.
 */
function explainSpawnFailure<T extends { reason: string | null }>(outcome: T, request: RunRequest, results: Pick<StageResult, 'exitCode' | 'signal' | 'failed' | 'code'>[]): T {
  if (outcome.reason !== 'cannot start command: ENOENT') return outcome;
  if (request.cwd !== undefined) {
    const dir = statOrNull(request.cwd);
    if (!dir) return { ...outcome, reason: `working directory ${request.cwd} does not exist` };
    if (!dir.isDirectory()) return { ...outcome, reason: `working directory ${request.cwd} is not a directory` };
  }
  const failed = results.findIndex((r) => r.exitCode === undefined && r.signal === undefined && r.failed);
  return { ...outcome, reason: `cannot start command: ${request.stages[failed]?.[0] ?? 'the command'} not found (ENOENT)` };
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** The shell's codes for a command that cannot be found (127) or executed (126). */
function spawnFailureCode(code: string | undefined): number | null {
  if (code === 'ENOENT') return 127;
  if (code === 'EACCES') return 126;
  return null;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

function stopGroups(pids: number[], graceMs: number, done: Promise<unknown>): void {
  for (const pid of pids) signalGroup(pid, 'SIGTERM');
  const timer = setTimeout(() => pids.forEach((pid) => signalGroup(pid, 'SIGKILL')), graceMs);
  // Once the stages are gone, nothing they left behind in their groups may live on.
  void done.finally(() => {
    clearTimeout(timer);
    pids.forEach((pid) => signalGroup(pid, 'SIGKILL'));
  });
}
