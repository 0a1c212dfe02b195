// The daemon's side of its job runner process (spawner-process.ts): starts
// jobs there, and keeps what fencing needs here.
//
// Fencing and cancel do not depend on the runner. The runner sends each
// job's process group ids as soon as they exist, and stop() signals those
// groups from the daemon itself (TERM, KILL after the grace), besides
// asking the runner to. A group not yet reported when the KILL is due is
// found by its job variables in /proc (orphans.ts): a frozen runner delays
// nothing.
//
// A dead runner never leaves a job unfenced: when it exits, every job it
// had not reported ended is killed by group (the ones it reported, and
// whatever /proc shows with the job's variables, looked at again a few
// times for a process caught between fork and exec), and those jobs end
// with `runnerDied`: the daemon cannot know how they ended, so it records
// nothing and releases their claims for a re-run, as after a fence. The
// next job starts a new runner.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log.js';
import { formatJobId, type JobId } from '../job-id.js';
import type { RunningProcess, RunOutcome, RunRequest } from './runner.js';
import type { FromRunner, ToRunner, WireSpool } from './spawn-messages.js';
import { findJobGroups, killGroups } from './orphans.js';

const RUNNER = fileURLToPath(new URL('./spawner-process.js', import.meta.url));
/** After a runner's death, /proc is searched again after these delays (ms). */
const RESCANS_MS = [50, 450, 1_500];

export interface SpawnedProcess extends RunningProcess {
  /** Resolves with the group ids once the runner has started the stages. */
  started: Promise<number[]>;
}

interface Job {
  key: string;
  /** The runner process it was sent to: only that runner's death ends it. */
  runner: ChildProcess;
  pids: number[] | null;
  settle: (outcome: RunOutcome) => void;
  announce: (pids: number[]) => void;
  startedAt: string;
  /** A stop asked before the pids were known: applied when they come. */
  pendingStop: number | null;
}

export class Spawner {
  private child: ChildProcess | null = null;
  private readonly jobs = new Map<number, Job>();
  private next = 1;
  private closing = false;

  constructor(private readonly log: Logger, private readonly nodeId: string) {}

  /** Start the runner now, so that the first job does not wait for Node to boot. */
  warm(): void {
    this.runner();
  }

  start(id: JobId, request: RunRequest, spool: WireSpool): SpawnedProcess {
    const n = this.next++;
    const key = formatJobId(id);
    let settle!: (o: RunOutcome) => void;
    let announce!: (p: number[]) => void;
    const done = new Promise<RunOutcome>((r) => (settle = r));
    const started = new Promise<number[]>((r) => (announce = r));
    const runner = this.runner();
    const job: Job = { key, runner, pids: null, settle, announce, startedAt: new Date().toISOString(), pendingStop: null };
    this.jobs.set(n, job);
    const { stdin, stdoutSink: _o, stderrSink: _e, ...rest } = request;
    this.send(runner, { type: 'start', n, id, request: { ...rest, stdin: stdin?.toString('base64') }, spool });
    const pids: number[] = [];
    void started.then((p) => pids.push(...p));
    return { pids, done, started, stop: (graceMs) => this.stop(n, graceMs) };
  }

  /** TERM every group of the job now, KILL after graceMs: from here, and through the runner. */
  private stop(n: number, graceMs: number): void {
    const job = this.jobs.get(n);
    if (!job) return;
    this.send(job.runner, { type: 'stop', n, graceMs });
    if (job.pids) signalGroups(job.pids, 'SIGTERM');
    else job.pendingStop = graceMs;
    setTimeout(() => {
      if (!this.jobs.has(n)) return;
      if (job.pids) signalGroups(job.pids, 'SIGKILL');
      else killGroups(findJobGroups(new Set([job.key])));
    }, graceMs).unref();
  }

  /** Let the runner go once no job runs (daemon stop). */
  close(): void {
    this.closing = true;
    this.child?.disconnect();
  }

  private send(child: ChildProcess, message: ToRunner): void {
    if (!child.connected) return; // gone: its exit handler ends the job
    child.send(message, (err) => {
      // The runner is gone: its exit handler ends the job.
      if (err) this.log.debug('job runner did not take a message', { error: err.message });
    });
  }

  private runner(): ChildProcess {
    if (this.child && this.child.connected) return this.child;
    // Its own process group: a Ctrl-C meant for the daemon must not kill the runner under its jobs.
    // A young generation of 1 MB semi-spaces: the runner keeps almost nothing alive, and V8's default
    // let it grow to ~60 MB of anonymous memory over many jobs (bench memory: 97.6 MB RSS after
    // 100,000 jobs, 79.0 MB with this; docs/speed.md). And V8's heap growing tuned for size, not
    // speed: the old generation otherwise grew to ~50 MB of garbage between full collections, private
    // memory that a runner of 1 MB of live objects held for nothing (bench memory, 30,000 jobs: 53 MB
    // of its own, 24 MB with the flag; a hard cap, --max-old-space-size, did as well, but a node with
    // many slots and large stdins could then hit it and lose its running jobs).
    // No V8 worker threads: every job is a fork of this process, and a fork copies the memory map of
    // every thread's stack and heap with it; the runner has too little JavaScript to need them.
    const child = fork(RUNNER, [], { detached: true, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--max-semi-space-size=1', '--optimize-for-size', '--single-threaded'] });
    this.child = child;
    this.closing = false;
    child.on('message', (m: FromRunner) => this.onMessage(m));
    child.on('exit', (code, signal) => this.onExit(child, code, signal));
    this.log.info('job runner started', { node: this.nodeId, pid: child.pid });
    return child;
  }

  private onMessage(message: FromRunner): void {
    const job = this.jobs.get(message.n);
    if (!job) return;
    if (message.type === 'started') {
      job.pids = message.pids;
      job.announce(message.pids);
      if (job.pendingStop !== null) signalGroups(message.pids, 'SIGTERM');
      return;
    }
    this.jobs.delete(message.n);
    job.settle(message.outcome);
  }

  private onExit(child: ChildProcess, code: number | null, signal: string | null): void {
    if (this.child === child) this.child = null;
    const orphaned = [...this.jobs.entries()].filter(([, job]) => job.runner === child);
    for (const [n] of orphaned) this.jobs.delete(n);
    if (orphaned.length === 0) return;
    if (!this.closing) this.log.warn('job runner died; killing its jobs, their claims will be released', { node: this.nodeId, pid: child.pid, code, signal, jobs: orphaned.length });
    const keys = new Set(orphaned.map(([, job]) => job.key));
    for (const [, job] of orphaned) if (job.pids) signalGroups(job.pids, 'SIGKILL');
    killGroups(findJobGroups(keys));
    // The jobs end (and their claims go) only after the last look, so that
    // no process of theirs can still be alive when a peer starts them again.
    void (async () => {
      for (const delay of RESCANS_MS) {
        await new Promise((r) => setTimeout(r, delay));
        killGroups(findJobGroups(keys));
      }
      const finishedAt = new Date().toISOString();
      for (const [, job] of orphaned) {
        job.announce(job.pids ?? []);
        job.settle({ exitCode: null, signal: null, reason: 'job runner died', timedOut: false, runnerDied: true, startedAt: job.startedAt, finishedAt, stdoutTail: '', stderrTail: '' });
      }
    })();
  }
}

function signalGroups(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  }
}
