// A real network partition for tests: a network namespace joined to the root
// namespace by a veth pair, and a switch that drops every packet on the link
// (`tc qdisc … pfifo limit 0` on both ends: this kernel has no netem).
//
// Addresses come from 198.51.100.0/24 (TEST-NET-2, RFC 5737), one /30 per
// link, never one already on an interface; the namespace and the links are
// named after this process. Nothing else is touched. Everything is removed by
// remove(), and also on exit or SIGINT/SIGTERM/SIGHUP, so a failed or killed
// test leaves no namespace, link or process of the namespace behind.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface PartitionLink {
  /** The namespace's name, for `ip netns exec`. */
  readonly ns: string;
  /** The root namespace's end of the link: a server here is reachable from inside. */
  readonly hostAddress: string;
  /** The namespace's end. */
  readonly nsAddress: string;
  /** A command prefix that runs a program inside the namespace. */
  readonly prefix: string[];
  /** Drop every packet on the link, both ways. */
  cut(): Promise<void>;
  /** Let packets through again. */
  heal(): Promise<void>;
  /** KILL every process inside, delete the link and the namespace. Idempotent. */
  remove(): void;
}

/** True when this process may make namespaces and links (root with ip and tc). */
export function canPartition(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
    execFileSync('tc', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const links = new Set<Link>();
let made = 0;

class Link implements PartitionLink {
  readonly prefix: string[];
  private removed = false;

  constructor(
    readonly ns: string,
    private readonly hostDev: string,
    private readonly nsDev: string,
    readonly hostAddress: string,
    readonly nsAddress: string,
  ) {
    this.prefix = ['ip', 'netns', 'exec', ns];
  }

  async cut(): Promise<void> {
    await exec('tc', ['qdisc', 'add', 'dev', this.hostDev, 'root', 'pfifo', 'limit', '0']);
    await exec('ip', ['netns', 'exec', this.ns, 'tc', 'qdisc', 'add', 'dev', this.nsDev, 'root', 'pfifo', 'limit', '0']);
  }

  async heal(): Promise<void> {
    await exec('tc', ['qdisc', 'del', 'dev', this.hostDev, 'root']).catch(() => undefined);
    await exec('ip', ['netns', 'exec', this.ns, 'tc', 'qdisc', 'del', 'dev', this.nsDev, 'root']).catch(() => undefined);
  }

  remove(): void {
    if (this.removed) return;
    this.removed = true;
    links.delete(this);
    // A namespace lives on while a process is in it, and its end of the link with it.
    const pids = quiet(['netns', 'pids', this.ns]).split(/\s+/).filter(Boolean);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    quiet(['link', 'del', this.hostDev]); // deletes both ends
    quiet(['netns', 'del', this.ns]);
  }
}

/** `ip ARGS`, its stdout, or '' when it fails (cleanup goes on regardless). */
function quiet(args: string[]): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

/** A /30 of 198.51.100.0/24 with no address on any interface of the root namespace. */
function freeSubnet(): number {
  const used = execFileSync('ip', ['-4', '-o', 'addr', 'show'], { encoding: 'utf8' });
  for (let i = 0; i < 64; i++) {
    const block = ((process.pid + made + i) % 64) * 4;
    if (![1, 2].some((h) => used.includes(` 198.51.100.${block + h}/`))) return block;
  }
  throw new Error('netns helper: no free /30 left in 198.51.100.0/24');
}

/** A namespace and a veth pair between it and the root namespace, addressed and up. */
export async function createPartitionLink(): Promise<PartitionLink> {
  armSafetyNet();
  const tag = `${process.pid}${made++ > 0 ? `x${made}` : ''}`;
  const block = freeSubnet();
  const link = new Link(`zkjobs-part-${tag}`, `zkp${tag}h`, `zkp${tag}n`, `198.51.100.${block + 1}`, `198.51.100.${block + 2}`);
  links.add(link);
  const inside = (args: string[]) => exec('ip', ['netns', 'exec', link.ns, 'ip', ...args]);
  try {
    await exec('ip', ['netns', 'add', link.ns]);
    await exec('ip', ['link', 'add', `zkp${tag}h`, 'type', 'veth', 'peer', 'name', `zkp${tag}n`]);
    await exec('ip', ['link', 'set', `zkp${tag}n`, 'netns', link.ns]);
    await exec('ip', ['addr', 'add', `${link.hostAddress}/30`, 'dev', `zkp${tag}h`]);
    await exec('ip', ['link', 'set', `zkp${tag}h`, 'up']);
    await inside(['addr', 'add', `${link.nsAddress}/30`, 'dev', `zkp${tag}n`]);
    await inside(['link', 'set', `zkp${tag}n`, 'up']);
    await inside(['link', 'set', 'lo', 'up']);
  } catch (err) {
    link.remove();
    throw err;
  }
  return link;
}

let armed = false;

function armSafetyNet(): void {
  if (armed) return;
  armed = true;
  process.on('exit', removeAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      removeAll();
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    });
  }
}

function removeAll(): void {
  for (const link of [...links]) link.remove();
}
