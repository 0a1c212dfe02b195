// Real ZooKeeper servers for the tests, driven through scripts/zk-server (the
// same script `make run` uses): a fresh standalone server per test file, or a
// loopback ensemble for tests that kill, freeze and restart members. Each
// cluster lives in its own temp dir on free ports, never 2181.
//
// No JVM outlives the test process: every server is SIGKILLed on 'exit' and on
// SIGINT/SIGTERM/SIGHUP, and the script's --owner watchdog kills it within a
// second if this process dies by SIGKILL, which no handler sees.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export interface ZkMember {
  /** Server id in the ensemble (myid); 0 for a standalone server. */
  readonly id: number;
  /** Client port on `host`. */
  readonly port: number;
  /** The address it serves clients on: 127.0.0.1 unless the test chose another. */
  readonly host: string;
  /** TLS client port on `host` (client certificate required), or null without TLS. */
  readonly securePort: number | null;
  /** The member's directory: zoo.cfg, data/, zookeeper.log, zookeeper.pid. */
  readonly dir: string;
  /** (Re)start on the same port and data. A standalone server resolves once it serves; an ensemble member once it listens (its quorum may need the others). */
  start(): Promise<void>;
  /** Clean shutdown (TERM, then KILL after 10 s). */
  stop(): Promise<void>;
  /** SIGKILL, a crash rather than a shutdown; resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGSTOP: the process stays, its sockets accept, nothing answers. */
  freeze(): void;
  /** SIGCONT after freeze(). */
  thaw(): void;
  /** The JVM's pid while it runs, or null. */
  pid(): number | null;
  /** "standalone", "leader", "follower", or null when it does not serve (down, frozen, no quorum). */
  mode(timeoutMs?: number): Promise<string | null>;
  /** The answer to a four-letter word ('' when nobody answers within timeoutMs, default 2000). */
  fourLetter(cmd: string, timeoutMs?: number): Promise<string>;
}

export interface ZkCluster {
  /** "host1:p1,host2:p2,…" for ZooKeeper clients. */
  readonly connectString: string;
  /** The same for the TLS ports; throws for a cluster started without TLS. */
  readonly secureConnectString: string;
  readonly members: ZkMember[];
  /** The member whose mode is leader, or null (standalone servers are never leader). */
  leader(): Promise<ZkMember | null>;
  /** Bounded wait until every member serves (default 30 s). */
  waitReady(timeoutMs?: number): Promise<void>;
  /** SIGKILL every member and remove the cluster's temp dir. */
  stop(): Promise<void>;
}

const exec = promisify(execFile);

/** The repo root: the first ancestor with a package.json, from src or from dist alike. */
const REPO = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('zk-server helper: no package.json above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
})();
const SCRIPT = path.join(REPO, 'scripts', 'zk-server');

/** Members that may have a JVM running, for the exit-time safety net. */
const running = new Set<Member>();
/** Clusters not stopped yet, for cleanup(). */
const clusters = new Set<Cluster>();

/** Bounded poll: resolve with the first truthy value of fn, or throw once timeoutMs has passed. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false | null> | T | undefined | false | null,
  timeoutMs = 10_000,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${timeoutMs} ms)`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

const handedOut = new Set<number>();

/** A loopback port nobody listens on now (the kernel picks it); never 2181, never the same twice in this process. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await kernelPort();
    if (port !== 2181 && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Send a four-letter word to host:port; '' if nobody answers in time (a frozen server accepts but never answers). */
export function fourLetter(port: number, word: string, timeoutMs = 2_000, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve) => {
    let answer = '';
    const socket = net.connect(port, host, () => socket.write(word));
    socket.setTimeout(timeoutMs, () => socket.destroy());
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('error', () => resolve(''));
    socket.on('close', () => resolve(answer));
  });
}

/** Run scripts/zk-server; its one-line stderr becomes the error message. */
async function zkServer(args: string[]): Promise<void> {
  try {
    await exec(SCRIPT, args);
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '').trim();
    throw new Error(stderr || `scripts/zk-server ${args[0]} failed`, { cause: err });
  }
}

class Member implements ZkMember {
  constructor(
    readonly id: number,
    readonly port: number,
    readonly dir: string,
    private readonly startArgs: string[],
    readonly host = '127.0.0.1',
    readonly securePort: number | null = null,
  ) {}

  async start(): Promise<void> {
    armSafetyNet();
    running.add(this);
    await zkServer(['start', this.dir, String(this.port), ...this.startArgs, '--address', this.host, '--owner', String(process.pid)]);
  }

  async stop(): Promise<void> {
    await zkServer(['stop', this.dir]);
    running.delete(this);
  }

  async kill(): Promise<void> {
    const pid = this.pid();
    this.killNow();
    if (pid) await waitFor(`ZooKeeper ${this.id} (pid ${pid}) to die`, () => !alive(pid), 10_000);
  }

  /** Synchronous SIGKILL, usable from an 'exit' handler. */
  killNow(): void {
    const pid = this.pid();
    if (pid) signal(pid, 'SIGKILL');
    running.delete(this);
  }

  freeze(): void {
    const pid = this.pid();
    if (pid) signal(pid, 'SIGSTOP');
  }

  thaw(): void {
    const pid = this.pid();
    if (pid) signal(pid, 'SIGCONT');
  }

  async mode(timeoutMs?: number): Promise<string | null> {
    const answer = await fourLetter(this.port, 'srvr', timeoutMs, this.host);
    return /^Mode: (\S+)/m.exec(answer)?.[1] ?? null;
  }

  fourLetter(cmd: string, timeoutMs?: number): Promise<string> {
    return fourLetter(this.port, cmd, timeoutMs, this.host);
  }

  /** The JVM's pid, from the pid file the script writes. */
  pid(): number | null {
    try {
      const pid = Number(readFileSync(path.join(this.dir, 'zookeeper.pid'), 'utf8'));
      return pid > 0 ? pid : null;
    } catch {
      return null;
    }
  }
}

class Cluster implements ZkCluster {
  constructor(
    readonly members: Member[],
    private readonly baseDir: string,
  ) {
    clusters.add(this);
  }

  get connectString(): string {
    return this.members.map((m) => `${m.host}:${m.port}`).join(',');
  }

  get secureConnectString(): string {
    if (this.members.some((m) => m.securePort === null)) throw new Error('zk-server helper: this cluster was started without TLS');
    return this.members.map((m) => `${m.host}:${m.securePort}`).join(',');
  }

  async leader(): Promise<ZkMember | null> {
    // In parallel: a frozen member costs one timeout, not one per member.
    const modes = await Promise.all(this.members.map((m) => m.mode()));
    return this.members[modes.indexOf('leader')] ?? null;
  }

  async waitReady(timeoutMs = 30_000): Promise<void> {
    await waitFor('every ZooKeeper member to serve', async () => {
      const modes = await Promise.all(this.members.map((m) => m.mode()));
      return modes.every((m) => m !== null);
    }, timeoutMs, 100);
  }

  // SIGKILL rather than a clean stop: the data is thrown away, and a clean
  // shutdown costs seconds per member.
  async stop(): Promise<void> {
    await Promise.all(this.members.map((m) => m.kill()));
    rmSync(this.baseDir, { recursive: true, force: true });
    clusters.delete(this);
  }

  /** Synchronous teardown for the 'exit' handler. */
  stopNow(): void {
    for (const m of this.members) m.killNow();
    try {
      rmSync(this.baseDir, { recursive: true, force: true });
    } catch {
      // A dying JVM may still be writing; a leftover temp dir is harmless.
    }
  }
}

/** Stop every cluster this process started and not stopped yet, and remove their temp dirs: `after(cleanup)`. */
export async function cleanup(): Promise<void> {
  await Promise.all([...clusters].map((c) => c.stop()));
}

export interface StandaloneOptions {
  /** The IPv4 address to serve clients on (an address of this host). Default 127.0.0.1. */
  host?: string;
  /**
   * Also serve TLS on a free port, requiring a client certificate: a
   * directory with keystore.p12, truststore.p12 and password (see
   * tls-certs.ts and scripts/zk-server --tls).
   */
  tls?: string;
}

/** A fresh standalone server: new temp dir, free port (and a free TLS port with `tls`). */
export async function startStandalone(options: StandaloneOptions = {}): Promise<ZkCluster> {
  const base = mkdtempSync(path.join(os.tmpdir(), 'zkjobs-zk-'));
  // Another process can take the free port before the JVM binds it (test
  // files run in parallel): then try another port.
  for (let attempt = 1; ; attempt++) {
    const securePort = options.tls ? await freePort() : null;
    const tlsArgs = options.tls ? ['--tls', options.tls, String(securePort)] : [];
    const cluster = new Cluster([new Member(0, await freePort(), path.join(base, 'zk0'), tlsArgs, options.host, securePort)], base);
    try {
      await cluster.members[0].start();
      return cluster;
    } catch (err) {
      const lostPort = /Address already in use|BindException/.test(readLog(cluster.members[0]));
      if (attempt >= 3 || !lostPort) {
        await cluster.stop();
        throw err;
      }
      cluster.members[0].killNow();
      clusters.delete(cluster);
    }
  }
}

/** A loopback ensemble of n members (ids 1…n), resolved once every member serves. */
export async function startEnsemble(n = 3): Promise<ZkCluster> {
  const base = mkdtempSync(path.join(os.tmpdir(), 'zkjobs-zk-'));
  const ports: Array<{ client: number; peer: number; election: number }> = [];
  for (let i = 0; i < n; i++) ports.push({ client: await freePort(), peer: await freePort(), election: await freePort() });
  const peers = ports.map((p) => `127.0.0.1:${p.peer}:${p.election}`).join(',');
  const members = ports.map(
    (p, i) => new Member(i + 1, p.client, path.join(base, `zk${i + 1}`), ['--member', String(i + 1), '--peers', peers]),
  );
  const cluster = new Cluster(members, base);
  try {
    await Promise.all(members.map((m) => m.start()));
    await cluster.waitReady();
    return cluster;
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

function readLog(member: Member): string {
  try {
    return readFileSync(path.join(member.dir, 'zookeeper.log'), 'utf8');
  } catch {
    return '';
  }
}

let armed = false;

/** On the first start: SIGKILL every server when this process exits or is signalled. */
function armSafetyNet(): void {
  if (armed) return;
  armed = true;
  process.on('exit', stopAllNow);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      stopAllNow();
      // Re-raise so the process still dies of the signal, unless someone
      // else (a test's own handler) has claimed it.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    });
  }
}

function stopAllNow(): void {
  for (const c of clusters) c.stopNow();
  for (const m of running) m.killNow();
}

/** Alive and not a zombie: a killed JVM nobody reaps still answers kill(pid, 0). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true; // No /proc: trust kill(pid, 0).
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}
