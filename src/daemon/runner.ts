// Runs one job's argv as a child process (never through a shell) in its own
// process group, so that stopping it reaches everything it started.
import { execa } from 'execa';
import { TailBuffer } from './tail-buffer.js';
import { TAIL_BYTES } from '../result.js';

export interface RunRequest {
  argv: string[];
  env: Record<string, string>;
}

export interface RunOutcome {
  exitCode: number | null;
  signal: string | null;
  /** Set when the process could not be started at all. */
  reason: string | null;
  startedAt: string;
  finishedAt: string;
  stdoutTail: string;
  stderrTail: string;
}

export interface RunningProcess {
  pid: number | undefined;
  done: Promise<RunOutcome>;
  /** TERM the process group, then KILL it after graceMs. */
  stop(graceMs: number): void;
}

export function startProcess(request: RunRequest): RunningProcess {
  const startedAt = new Date().toISOString();
  const stdout = new TailBuffer(TAIL_BYTES);
  const stderr = new TailBuffer(TAIL_BYTES);
  const child = execa(request.argv[0], request.argv.slice(1), {
    env: request.env,
    extendEnv: true,
    stdin: 'ignore',
    buffer: false,
    reject: false,
    detached: true,
    cleanup: false,
  });
  child.stdout?.on('data', (c: Buffer) => stdout.push(c));
  child.stderr?.on('data', (c: Buffer) => stderr.push(c));
  const done = child.then((r) => ({
    exitCode: r.exitCode ?? spawnFailureCode(r.code),
    signal: r.signal ?? null,
    reason: spawnFailure(r),
    startedAt,
    finishedAt: new Date().toISOString(),
    stdoutTail: stdout.text(),
    stderrTail: stderr.text(),
  }));
  return { pid: child.pid, done, stop: (graceMs) => stopGroup(child.pid, graceMs, done) };
}

/** execa reports a spawn error (ENOENT, EACCES) as a result without exit code or signal. */
function spawnFailure(r: { exitCode?: number; signal?: string; failed: boolean; code?: string; shortMessage?: string }): string | null {
  if (r.exitCode !== undefined || r.signal !== undefined) return null;
  if (!r.failed) return null;
  return r.code ? `cannot start command: ${r.code}` : (r.shortMessage ?? 'cannot start command');
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

function stopGroup(pid: number | undefined, graceMs: number, done: Promise<unknown>): void {
  if (pid === undefined) return;
  signalGroup(pid, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
  // Once the leader is gone, nothing it left behind in its group may live on.
  void done.finally(() => {
    clearTimeout(timer);
    signalGroup(pid, 'SIGKILL');
  });
}
