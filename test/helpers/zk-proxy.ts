// A small TCP proxy between one client and its ZooKeeper servers, for fault
// tests: it cuts the client's connections on demand while the session lives
// on in the server, which is what a flaky network does and what no
// in-process trick reproduces. The client reconnects through the proxy by
// itself, to the same session, unless the proxy is refusing connections.
//
// It reads the ZooKeeper wire framing (4-byte length, then the body) so that
// it can cut at the one moment that matters to the protocol: a request has
// reached the server (or not) and its reply is lost. The client then gets a
// connection loss for a request that may have been applied, the case every
// crash-point comment in src/ is about.
import net from 'node:net';
import { freePort } from './zk-server.js';

/** ZooKeeper request types (org.apache.zookeeper.ZooDefs.OpCode) that tests target. */
export const OP = {
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getChildren: 8,
  getChildren2: 12,
  create2: 15,
  createContainer: 19,
  multi: 14,
} as const;

/** Request types whose body starts with the znode path. */
const PATH_FIRST = new Set<number>([1, 2, 3, 4, 5, 6, 7, 8, 12, 13, 15, 19, 20, 21]);

export interface Request {
  /** The request type, one of OP (ping is 11, setWatches 101, auth 100). */
  op: number;
  /** The znode path, '' for requests without one (a multi: its first op's). */
  path: string;
  /** A multi's ops, in order. */
  ops?: { op: number; path: string }[];
}

/** True when `r` is `op` on a path `match` accepts, alone or as an op of a multi. */
export function requestTouches(r: Request, op: number | readonly number[], match: (path: string) => boolean): boolean {
  const ops = typeof op === 'number' ? [op] : op;
  return [r, ...(r.ops ?? [])].some((o) => ops.includes(o.op) && match(o.path));
}

export interface Trap {
  match: (request: Request) => boolean;
  /**
   * 'request': cut before the request is forwarded; the server never sees it.
   * 'reply': forward the request, cut when its reply comes back, unforwarded:
   * the server applied it and the client never hears so.
   */
  lose: 'request' | 'reply';
  /** Resolves with the request once the trap has cut a connection. */
  sprung: Promise<Request>;
}

export interface Hold {
  /** Resolves with the request once it is being held. */
  held: Promise<Request>;
  /** Forward the held request and everything the client sent after it, in order. */
  release(): void;
}

/** A trap's internals: how a link springs it. */
interface ArmedTrap {
  match: (request: Request) => boolean;
  lose: Trap['lose'] | 'hold';
  spring: (r: Request) => void;
  /** For a hold: the link that holds, told to let go. */
  onRelease?: () => void;
  released?: boolean;
}

export class ZkProxy {
  private readonly links = new Set<Link>();
  private readonly traps: ArmedTrap[] = [];
  private refusing = false;
  /** The connect string's chroot suffix, kept for clients of the proxy. */
  private chroot = '';

  private constructor(
    private readonly servers: net.Server[],
    readonly ports: number[],
  ) {}

  /** One listening port on 127.0.0.1 for each `host:port` upstream of connect (a chroot suffix is kept). */
  static async start(connect: string): Promise<ZkProxy> {
    const slash = connect.indexOf('/');
    const hosts = (slash < 0 ? connect : connect.slice(0, slash)).split(',');
    const servers: net.Server[] = [];
    const ports: number[] = [];
    const proxy = new ZkProxy(servers, ports);
    proxy.chroot = slash < 0 ? '' : connect.slice(slash);
    for (const hostPort of hosts) {
      const colon = hostPort.lastIndexOf(':');
      const upstream = { host: hostPort.slice(0, colon), port: Number(hostPort.slice(colon + 1)) };
      const server = net.createServer((socket) => proxy.accept(socket, upstream));
      const port = await listen(server);
      servers.push(server);
      ports.push(port);
    }
    return proxy;
  }

  /** The connect string that sends a client through this proxy. */
  get connectString(): string {
    return this.ports.map((p) => `127.0.0.1:${p}`).join(',') + this.chroot;
  }

  /** Connections open now. */
  get open(): number {
    return this.links.size;
  }

  /** Drop every open connection now; returns how many were dropped. */
  cut(): number {
    const n = this.links.size;
    for (const link of [...this.links]) link.destroy();
    return n;
  }

  /** While on, new connections are closed as soon as they are accepted: the client stays disconnected. */
  refuse(on: boolean): void {
    this.refusing = on;
  }

  /** Arm a one-shot cut at the first request that matches (see Trap.lose). */
  trap(match: (request: Request) => boolean, lose: Trap['lose']): Trap {
    let spring!: (r: Request) => void;
    const sprung = new Promise<Request>((resolve) => (spring = resolve));
    this.traps.push({ match, lose, spring });
    return { match, lose, sprung };
  }

  /**
   * Hold the first request that matches, and everything after it on that
   * connection, until release(): the client has decided and sent, the
   * server has not seen it yet, and the test acts in between (a peer's move
   * between our read and our write). The connection stays up meanwhile;
   * hold for less than the session timeout's 2/3, or the client gives up on it.
   */
  hold(match: (request: Request) => boolean): Hold {
    let spring!: (r: Request) => void;
    const held = new Promise<Request>((resolve) => (spring = resolve));
    const trap: ArmedTrap = { match, lose: 'hold', spring };
    this.traps.push(trap);
    const release = () => {
      trap.released = true;
      const i = this.traps.indexOf(trap);
      if (i >= 0) this.traps.splice(i, 1);
      trap.onRelease?.();
    };
    return { held, release };
  }

  async close(): Promise<void> {
    this.cut();
    await Promise.all(this.servers.map((s) => new Promise((r) => s.close(r))));
  }

  private accept(socket: net.Socket, upstream: { host: string; port: number }): void {
    if (this.refusing) {
      socket.destroy();
      return;
    }
    const link = new Link(socket, net.connect(upstream.port, upstream.host), this);
    this.links.add(link);
    link.onClose(() => this.links.delete(link));
  }

  /** Called by a link for each client request: the first matching trap, taken off the list. */
  takeTrap(request: Request): ArmedTrap | undefined {
    const i = this.traps.findIndex((t) => t.match(request));
    return i < 0 ? undefined : this.traps.splice(i, 1)[0];
  }
}

/** One client connection and its upstream twin, forwarded frame by frame. */
class Link {
  private closed = false;
  private readonly closeHandlers: Array<() => void> = [];
  /** xid of a request whose reply must be lost, and the trap to spring then. */
  private doomed: { xid: number; request: Request; spring: (r: Request) => void } | null = null;
  /** Client frames held back by a hold, in order; null when not holding. */
  private heldFrames: Buffer[] | null = null;

  constructor(
    private readonly client: net.Socket,
    private readonly server: net.Socket,
    private readonly proxy: ZkProxy,
  ) {
    for (const s of [client, server]) {
      s.setNoDelay(true);
      s.on('error', () => this.destroy());
      s.on('close', () => this.destroy());
    }
    // The first frame each way is the session handshake, without an xid.
    frames(client, (frame, first) => (first ? this.forward(server, frame) : this.fromClient(frame)));
    frames(server, (frame, first) => (first ? this.forward(client, frame) : this.fromServer(frame)));
  }

  onClose(handler: () => void): void {
    this.closeHandlers.push(handler);
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.destroy();
    this.server.destroy();
    for (const h of this.closeHandlers) h();
  }

  private forward(to: net.Socket, frame: Buffer): void {
    if (!this.closed) to.write(frame);
  }

  private fromClient(frame: Buffer): void {
    if (this.heldFrames) {
      this.heldFrames.push(frame);
      return;
    }
    const request = parseRequest(frame);
    const trap = request && this.proxy.takeTrap(request);
    if (!trap || !request) return this.forward(this.server, frame);
    if (trap.lose === 'hold') {
      this.heldFrames = [frame];
      trap.onRelease = () => this.letGo();
      trap.spring(request);
      return;
    }
    if (trap.lose === 'request') {
      this.destroy();
      trap.spring(request);
      return;
    }
    this.doomed = { xid: frame.readInt32BE(4), request, spring: trap.spring };
    this.forward(this.server, frame);
  }

  private letGo(): void {
    const frames = this.heldFrames ?? [];
    this.heldFrames = null;
    for (const frame of frames) this.forward(this.server, frame);
  }

  private fromServer(frame: Buffer): void {
    if (this.doomed && frame.length >= 8 && frame.readInt32BE(4) === this.doomed.xid) {
      const { request, spring } = this.doomed;
      this.destroy();
      spring(request);
      return;
    }
    this.forward(this.client, frame);
  }
}

/** Call onFrame with each whole length-prefixed frame (prefix included) read from socket. */
function frames(socket: net.Socket, onFrame: (frame: Buffer, first: boolean) => void): void {
  let pending: Buffer = Buffer.alloc(0);
  let first = true;
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 4) {
      const size = 4 + pending.readInt32BE(0);
      if (pending.length < size) break;
      const frame = pending.subarray(0, size);
      pending = pending.subarray(size);
      onFrame(frame, first);
      first = false;
    }
  });
}

/** A request frame: length, xid, type, then (for most types) the path as a length-prefixed string. */
function parseRequest(frame: Buffer): Request | null {
  if (frame.length < 12) return null;
  const op = frame.readInt32BE(8);
  if (op === OP.multi) {
    const ops = parseMultiOps(frame);
    return { op, path: ops[0]?.path ?? '', ops };
  }
  let path = '';
  if (PATH_FIRST.has(op) && frame.length >= 16) {
    const len = frame.readInt32BE(12);
    if (len > 0 && 16 + len <= frame.length) path = frame.toString('utf8', 16, 16 + len);
  }
  return { op, path };
}

/**
 * A multi's ops: after the header, each op is a MultiHeader (type, done,
 * err) and its request, path first; a header with done set ends the list.
 */
function parseMultiOps(frame: Buffer): { op: number; path: string }[] {
  const ops: { op: number; path: string }[] = [];
  let at = 12;
  const int = () => {
    const v = frame.readInt32BE(at);
    at += 4;
    return v;
  };
  const bytes = () => {
    const len = int();
    const text = len > 0 ? frame.toString('utf8', at, at + len) : '';
    at += Math.max(0, len);
    return text;
  };
  try {
    for (;;) {
      const type = int();
      const done = frame.readUInt8(at) !== 0;
      at += 5;
      if (done) return ops;
      const path = bytes();
      ops.push({ op: type, path });
      if (type === OP.create || type === OP.create2 || type === OP.createContainer) {
        bytes();
        for (let n = int(); n > 0; n--) [int(), bytes(), bytes()];
        int();
      } else if (type === OP.setData) {
        bytes();
        int();
      } else int(); // delete, check: a version
    }
  } catch {
    return ops; // a frame cut short: the ops read so far
  }
}

async function listen(server: net.Server): Promise<number> {
  // freePort() avoids ports handed out elsewhere in this process (and 2181);
  // another process may still take it first, so try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
      return port;
    } catch (err) {
      if (attempt >= 5) throw err;
    }
  }
}
