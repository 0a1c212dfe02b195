// Real ZooKeeper servers for the tests, driven through scripts/zk-server:
// a fresh standalone server per test file, or a loopback ensemble for tests
// that kill, freeze and restart members. Never port 2181.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);

const REPO = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
})();
const SCRIPT = path.join(REPO, 'scripts', 'zk-server');

/** Every server started by this process, killed at exit whatever happens to the test. */
const live = new Set<ZkMember>();
process.on('exit', () => {
  for (const m of live) m.killNow();
});

/** Bounded poll: resolve with the first truthy value of fn, or fail after timeoutMs. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false | null> | T | undefined | false | null, timeoutMs = 10_000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A port nobody listens on right now (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Send a four-letter word and return the whole answer ('' if nobody answers). */
export function fourLetter(port: number, word: string, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve) => {
    let answer = '';
    const socket = net.connect(port, '127.0.0.1', () => socket.write(word));
    socket.setTimeout(timeoutMs, () => socket.destroy());
    socket.on('data', (c) => (answer += c));
    socket.on('error', () => resolve(''));
    socket.on('close', () => resolve(answer));
  });
}

export class ZkMember {
  constructor(
    readonly id: number,
    readonly port: number,
    readonly dir: string,
    private readonly startArgs: string[],
  ) {}

  private get pid(): number | null {
    const file = path.join(this.dir, 'zookeeper.pid');
    return existsSync(file) ? Number(readFileSync(file, 'utf8')) : null;
  }

  /** Start (or restart) the member; standalone servers wait until they answer. */
  async start(): Promise<void> {
    await exec(SCRIPT, ['start', this.dir, String(this.port), ...this.startArgs]);
    live.add(this);
  }

  /** Clean stop. */
  async stop(): Promise<void> {
    await exec(SCRIPT, ['stop', this.dir]);
    live.delete(this);
  }

  /** SIGKILL: a crash, not a shutdown. */
  async kill(): Promise<void> {
    const pid = this.pid;
    this.killNow();
    if (pid) await waitFor(`ZooKeeper ${this.id} to die`, () => !alive(pid), 10_000);
  }

  killNow(): void {
    const pid = this.pid;
    if (pid) signal(pid, 'SIGKILL');
    live.delete(this);
  }

  freeze(): void {
    const pid = this.pid;
    if (pid) signal(pid, 'SIGSTOP');
  }

  thaw(): void {
    const pid = this.pid;
    if (pid) signal(pid, 'SIGCONT');
  }

  /** "standalone", "leader", "follower", or null when it does not serve. */
  async mode(): Promise<string | null> {
    const answer = await fourLetter(this.port, 'srvr');
    return /^Mode: (\S+)/m.exec(answer)?.[1] ?? null;
  }

  fourLetter(word: string): Promise<string> {
    return fourLetter(this.port, word);
  }
}

export class ZkCluster {
  constructor(
    readonly members: ZkMember[],
    private readonly baseDir: string,
  ) {}

  get connectString(): string {
    return this.members.map((m) => `127.0.0.1:${m.port}`).join(',');
  }

  async leader(): Promise<ZkMember | null> {
    for (const m of this.members) if ((await m.mode()) === 'leader') return m;
    return null;
  }

  /** Wait until every member serves (an ensemble: has a leader and followers). */
  async waitReady(timeoutMs = 30_000): Promise<void> {
    await waitFor('every ZooKeeper member to serve', async () => {
      const modes = await Promise.all(this.members.map((m) => m.mode()));
      return modes.every((m) => m !== null);
    }, timeoutMs, 100);
  }

  async stop(): Promise<void> {
    for (const m of this.members) m.killNow();
    rmSync(this.baseDir, { recursive: true, force: true });
  }
}

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'zkjobs-zk-'));
}

export async function startStandalone(): Promise<ZkCluster> {
  const base = tempDir();
  const member = new ZkMember(0, await freePort(), path.join(base, 'zk0'), []);
  await member.start();
  return new ZkCluster([member], base);
}

export async function startEnsemble(n = 3): Promise<ZkCluster> {
  const base = tempDir();
  const ports = await Promise.all(Array.from({ length: n }, async () => ({ client: await freePort(), peer: await freePort(), election: await freePort() })));
  const peers = ports.map((p, i) => `${i + 1}=${p.peer}:${p.election}:${p.client}`).join(',');
  const members = ports.map((p, i) => new ZkMember(i + 1, p.client, path.join(base, `zk${i + 1}`), ['--member', String(i + 1), '--peers', peers, '--no-wait']));
  await Promise.all(members.map((m) => m.start()));
  const cluster = new ZkCluster(members, base);
  await cluster.waitReady();
  return cluster;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}
