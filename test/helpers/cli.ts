// Drives the real bin/ programs as child processes, as a shell script would.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './zk-server.js';

/** The repository root: the nearest directory above this file with a package.json. */
export const REPO = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
})();

export const FIXTURES = path.join(REPO, 'test', 'fixtures');

export function bin(name: 'zkjobd' | 'zkjobc' | 'zkjobq'): string {
  return path.join(REPO, 'bin', name);
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string>;
  input?: string;
  timeoutMs?: number;
}

/** Run a program to its end and collect its output. */
export function run(program: 'zkjobc' | 'zkjobq' | 'zkjobd', args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // A daemon run here makes its node key in the test's own directory, never in /etc.
    const nodeKey = program === 'zkjobd' ? { ZKJOBS_NODE_KEY: path.join(os.tmpdir(), `zkjobs-node-key-${process.pid}`, 'node_ed25519') } : {};
    const child = spawn(bin(program), args, { env: { ...process.env, ...nodeKey, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${program} ${args.join(' ')} did not end within ${options.timeoutMs ?? 60_000} ms\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Run and insist on exit 0; return stdout. */
export async function ok(program: 'zkjobc' | 'zkjobq', args: string[], options: RunOptions = {}): Promise<string> {
  const r = await run(program, args, options);
  if (r.code !== 0) throw new Error(`${program} ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

export interface DaemonOptions {
  zk: string;
  root: string;
  nodeId: string;
  slots?: number;
  queues?: string[];
  args?: string[];
  /** Only these arguments (e.g. --config FILE), none of the helper's defaults. */
  raw?: string[];
  /** Extra environment variables (e.g. ZKJOBS_ZK_AUTH). */
  env?: Record<string, string>;
  /** A command that runs zkjobd, e.g. `ip netns exec NS` (it must exec zkjobd in place, so that signals reach it). */
  prefix?: string[];
  /**
   * --run-as for every queue. Default: root when the tests run as root, said
   * explicitly because a root daemon no longer runs jobs as root by default,
   * and the tests' jobs write into the test runner's own temporary
   * directories. null: no --run-as, the daemon's own default.
   */
  runAs?: string | null;
}

/** A running zkjobd whose log lines are collected for assertions. */
export class DaemonProcess {
  readonly child: ChildProcess;
  log = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly options: DaemonOptions) {
    const spool = mkdtempSync(path.join(os.tmpdir(), `zkjobs-spool-${options.nodeId}-`));
    const args = ['--zk', options.zk, '--root', options.root, '--node-id', options.nodeId, '--slots', String(options.slots ?? 2), '--session-timeout', '4s', '--kill-grace', '1s', '--stop-grace', '3s', '--spool-dir', spool];
    for (const q of options.queues ?? ['default']) args.push('--queue', q);
    const runAs = options.runAs === undefined ? (process.getuid?.() === 0 ? 'root' : null) : options.runAs;
    if (runAs !== null && !options.args?.includes('--run-as')) args.push('--run-as', runAs);
    // The status page's default port (22581) is the same for every daemon: tests that want the page name a free port.
    const daemonArgs = options.raw ?? [...args, ...(options.args ?? [])];
    if (!daemonArgs.includes('--status-bind')) daemonArgs.push('--status-bind', 'none');
    // Each daemon its own node key, made at its first start, never one in /etc.
    const nodeKey = path.join(spool, 'node_ed25519');
    const argv = [...(options.prefix ?? []), bin('zkjobd'), ...daemonArgs];
    this.child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ZKJOBS_NODE_KEY: nodeKey, ...options.env } });
    this.child.stdout!.on('data', (c) => (this.log += c));
    this.child.stderr!.on('data', (c) => (this.log += c));
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Not exited and not killed: exitCode alone stays null for a death by signal. */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async started(timeoutMs = 20_000): Promise<this> {
    await this.waitForLog(/zkjobd started/, timeoutMs);
    return this;
  }

  async waitForLog(pattern: RegExp, timeoutMs = 20_000): Promise<void> {
    await waitFor(`${this.options.nodeId}'s log to match ${pattern}`, () => {
      if (pattern.test(this.log)) return true;
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`zkjobd ${this.options.nodeId} exited:\n${this.log}`);
      return false;
    }, timeoutMs);
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /**
   * Its ZooKeeper requests by method and path shape, from the line it logs at
   * info level when it stops (client.ts requestCounts); null before that.
   */
  requestCounts(): Record<string, number> | null {
    const line = /zookeeper requests .*requests=(\{.*\})$/m.exec(this.log);
    return line ? (JSON.parse(line[1]) as Record<string, number>) : null;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    await this.exited;
  }
}

export function startDaemon(options: DaemonOptions): Promise<DaemonProcess> {
  return new DaemonProcess(options).started();
}

/** A fresh root per test, so tests sharing one server never see each other's jobs. */
let roots = 0;
export function freshRoot(): string {
  return `/t${process.pid}-${++roots}`;
}

/**
 * The jobs a node's record lists as running (zkjobq nodes --json). The record
 * is written up to a second after a claim, and free slots are counted from it:
 * tests that read a reason wait for this, not only for the job's state.
 */
export async function runningOnNode(connArgs: string[], nodeId: string): Promise<unknown[]> {
  const nodes = (await ok('zkjobq', ['nodes', ...connArgs, '--json'])).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  return nodes.find((n) => n.id === nodeId)?.record?.running ?? [];
}
