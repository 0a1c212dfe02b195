// The one place that talks to the `zookeeper` binding. It owns a handle and
// its session state, turns the binding's numeric return codes into typed
// errors, and renews the session when it expires.
//
// Connection loss is not expiry: while disconnected the handle keeps its
// session and reconnects by itself (`disconnected`, then `reconnected`).
// Expiry ends the handle for good: the binding must never reuse it, so with
// `renew` a fresh handle (a new session, a new client) is made and
// `session` is emitted; the owner then re-registers and re-arms its watches.
import { EventEmitter } from 'node:events';
import { UnavailableError } from '../errors.js';
import { checkConnectString } from './connect-string.js';
import { ClosingError, NoNodeError, NodeExistsError, operationOf, zkErrorFromCode } from './errors.js';
import { SessionChangedError } from './session-bound.js';
import { fromNativeResults, multiError, toNativeOps, type MultiOp, type MultiResult, type NativeMultiResult } from './multi.js';
// A static import, so that the CLIs' bundles take the binding's JavaScript in (scripts/bundle.mjs).
import ZooKeeper from 'zookeeper';

const Binding = ZooKeeper as unknown as BindingClass;

export interface Stat {
  /** The zxid that created the znode: tells a node from another later made at the same path. */
  czxid: number;
  version: number;
  cversion: number;
  numChildren: number;
  dataLength: number;
  ctime: Date;
  mtime: Date;
  /** Session id in hex, "0" for a persistent node. */
  ephemeralOwner: string;
}

export type CreateMode = 'persistent' | 'ephemeral' | 'container' | 'persistent-sequential';

export interface Acl {
  perms: number;
  scheme: string;
  auth: string;
}

export interface ZkClientOptions {
  /** host:port[,host:port…][/chroot] */
  connect: string;
  /** Requested session timeout; the server may negotiate it. Default 10000 ms. */
  sessionTimeoutMs?: number;
  /** How long to wait for the first connection. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** Make a new session when this one expires, instead of closing. Default false. */
  renew?: boolean;
  /** digest credentials "user:password" added to every session. */
  auth?: string;
  /** TLS with a client certificate (PEM files, checked by src/zk-tls.ts); none: plain TCP. */
  tls?: ZkTlsFiles;
}

/** What the patched binding's `ssl` option takes (patches/zookeeper+7.3.0.patch). */
export interface ZkTlsFiles {
  /** CA certificate(s) the server's certificate must chain to; nothing else is trusted. */
  ca: string;
  /** This client's certificate (chain); its subject is its x509 identity in ACLs. */
  cert: string;
  /** The certificate's private key, unencrypted. */
  key: string;
}

/** The binding's return codes worth naming when no session comes up. */
const CONNECT_FAILURES: Record<number, string> = { [-15]: 'TLS handshake failed', [-4]: 'connection refused or closed', [-7]: 'no answer' };

type Callback = (rc: number, error: string, ...result: unknown[]) => void;
/** How a failed request becomes an error, when its return code alone does not say (a multi). */
type Failure = (rc: number, error: string | undefined, result: unknown[]) => Error;
type WatchCallback = (type: number, state: number, path: string) => void;
interface BindingHandle extends EventEmitter {
  native: Record<string, unknown>;
  init(config: object): void;
  close(): void;
  client_id: string;
  client_password: string;
  timeout: number;
  [method: string]: unknown;
}
/**
 * Milliseconds on a monotonic clock, for the session's timings. Not
 * performance.now(): its first use in a process loads perf_hooks, ten of
 * Node's modules that a CLI command uses for nothing else (about 1 ms of a
 * `zkjobc submit`).
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * What the wrapper's init() does with the config given to the handle,
 * without its debug line: that formats the whole config with util.inspect,
 * logger or not (1% of a cached `zkjobc submit`'s samples).
 */
function startSession(handle: BindingHandle): void {
  handle.data_as_buffer = true;
  (handle.native.init as (config: object) => void).call(handle.native, handle.config as object);
}

/**
 * What the wrapper's close() does, without its debug line: util.inspect
 * formats an empty list, and its first call in a process loads and
 * compiles the formatter (about 1 ms of a `zkjobc submit`, which closes
 * once and never calls it otherwise).
 */
function closeSession(handle: BindingHandle): void {
  (handle.native.close as () => void).call(handle.native);
}

interface BindingClass {
  new (config: object): BindingHandle;
  constants: Record<string, number>;
}

const C = Binding.constants;
const FLAGS: Record<CreateMode, number> = {
  persistent: C.ZOO_PERSISTENT,
  ephemeral: C.ZOO_EPHEMERAL,
  container: C.ZOO_CONTAINER,
  'persistent-sequential': C.ZOO_PERSISTENT_SEQUENTIAL,
};
const SESSION_EVENT = C.ZOO_SESSION_EVENT;
export const PERM = {
  READ: C.ZOO_PERM_READ,
  WRITE: C.ZOO_PERM_WRITE,
  CREATE: C.ZOO_PERM_CREATE,
  DELETE: C.ZOO_PERM_DELETE,
  ADMIN: C.ZOO_PERM_ADMIN,
  ALL: C.ZOO_PERM_ALL,
};

/**
 * Methods the binding's JS wrapper only passes through to the native handle
 * after formatting a debug string with util.inspect on every call, logger or
 * not: a third of a batch submit's CPU. Called on the native handle directly.
 */
const PASS_THROUGH = new Set(['a_multi', 'a_create', 'a_create_acl', 'a_exists', 'aw_exists', 'a_get', 'aw_get', 'a_get_children', 'aw_get_children', 'a_set', 'a_delete_', 'add_auth']);

/**
 * Return codes that only a server sends, in reply to a request it received:
 * success and the API errors about znodes. Connection loss, timeouts,
 * expiry and closing are said by the client library itself and prove nothing.
 */
const SERVER_ANSWERS = new Set([0, -101, -102, -103, -108, -110, -111, -114]);

/** Request shapes counted apart (requestCounts); the rest are counted together, per method. */
const MAX_SHAPES = 500;

/** Replies larger than this many socket reads make the binding close its own session. */
const RESPONSE_COUNTER_LIMIT = 100;

export type SessionState = 'connecting' | 'connected' | 'disconnected' | 'closed';

export interface ZkClientEvents {
  disconnected: [];
  reconnected: [];
  expired: [];
  session: [];
}

export class ZkClient extends EventEmitter<ZkClientEvents> {
  private handle: BindingHandle | null = null;
  private closing = false;
  state: SessionState = 'connecting';
  /** Session id of the current handle, hex; changes when a session is renewed. */
  sessionId = '';
  /** Timeout the server granted us, in ms. */
  negotiatedTimeoutMs = 0;
  /**
   * When the server last provably heard from this session (monotonicMs()):
   * the send time of the latest request it answered (or the opening of the
   * session). The server cannot expire the session earlier than its timeout
   * after that (daemon/fence.ts counts from here, through sinceHeardMs()).
   */
  lastHeardAt = 0;
  /**
   * Requests sent, by binding method and path shape (names with a digit in
   * them, job numbers, buckets, node names, become N): what the daemon logs
   * when it stops, and how the benchmark tells where a job's requests go.
   */
  readonly requestCounts = new Map<string, number>();

  /**
   * The current session's password (hex), '' without a handle. zkjobs never
   * needs it: with sessionId it lets the test harness open a second handle
   * on this session and close it, which expires this one (as kazoo's harness
   * does), without waiting out a session timeout.
   */
  get sessionPassword(): string {
    return this.handle?.client_password ?? '';
  }

  private constructor(private readonly options: Required<Omit<ZkClientOptions, 'auth' | 'tls'>> & Pick<ZkClientOptions, 'auth' | 'tls'>) {
    super();
  }

  static async connect(options: ZkClientOptions): Promise<ZkClient> {
    checkConnectString(options.connect);
    const client = new ZkClient({
      sessionTimeoutMs: 10_000,
      connectTimeoutMs: 5_000,
      renew: false,
      ...options,
    });
    await client.openSession();
    return client;
  }

  /** Open a new handle and wait for its first connection, bounded by connectTimeoutMs. */
  private async openSession(): Promise<void> {
    // Before the connect request is sent: the session cannot exist earlier.
    const openedAt = monotonicMs();
    const handle = new Binding({
      connect: this.options.connect,
      timeout: this.options.sessionTimeoutMs,
      debug_level: Number(process.env.ZKJOBS_ZK_DEBUG ?? 0),
      host_order_deterministic: false,
      data_as_buffer: true,
      response_counter_limit: RESPONSE_COUNTER_LIMIT,
      ssl: this.options.tls,
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        // last_error (patched binding): why the handle's last attempt failed.
        // Over plain TCP a refused connection is most often a server that is
        // down; only a TLS client gets the reason, where it tells more.
        const why = this.options.tls ? CONNECT_FAILURES[handle.native.last_error as number] : undefined;
        handle.removeAllListeners();
        closeSession(handle);
        reject(new UnavailableError(`cannot connect to ZooKeeper at ${this.options.connect} within ${this.options.connectTimeoutMs} ms${why ? ` (${why})` : ''}`));
      }, this.options.connectTimeoutMs);
      handle.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      startSession(handle);
    });
    this.attach(handle, openedAt);
    if (this.options.auth) await this.addAuth('digest', this.options.auth);
  }

  private attach(handle: BindingHandle, openedAt: number): void {
    this.handle = handle;
    this.state = 'connected';
    this.lastHeardAt = openedAt;
    this.sessionId = handle.client_id;
    this.negotiatedTimeoutMs = handle.timeout;
    handle.on('connecting', () => {
      if (this.handle !== handle || this.state !== 'connected') return;
      this.state = 'disconnected';
      this.emit('disconnected');
    });
    handle.on('connect', () => {
      if (this.handle !== handle || this.state !== 'disconnected') return;
      this.state = 'connected';
      this.negotiatedTimeoutMs = handle.timeout;
      this.emit('reconnected');
    });
    handle.on('close', () => {
      if (this.handle !== handle) return;
      this.handle = null;
      this.state = 'closed';
      if (this.closing) return;
      this.emit('expired');
      if (this.options.renew) void this.renewSession();
    });
  }

  /** After expiry: keep trying to open a new session until it works or we are closed. */
  private async renewSession(): Promise<void> {
    let delay = 100;
    while (!this.closing) {
      try {
        this.state = 'connecting';
        await this.openSession();
        if (this.closing) {
          this.close();
          return;
        }
        this.emit('session');
        return;
      } catch {
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 2_000);
      }
    }
  }

  close(): void {
    this.closing = true;
    const handle = this.handle;
    this.handle = null;
    this.state = 'closed';
    if (handle) closeSession(handle);
  }

  /**
   * This client bound to `session`: the same methods, but every request
   * fails with SessionChangedError, unsent, once the client has another
   * session (see session-bound.ts). For operations on what `session` owns.
   */
  boundTo(session: string): ZkClient {
    const view = Object.create(this) as ZkClient;
    const call = this.call.bind(this);
    const bound = <T>(method: string, path: string, args: unknown[], pick: (result: unknown[]) => T, fail?: Failure): Promise<T> =>
      this.sessionId === session ? call(method, path, args, pick, fail) : Promise.reject(new SessionChangedError(session, this.sessionId));
    Object.defineProperty(view, 'call', { value: bound });
    Object.defineProperty(view, 'client', { value: this });
    return view;
  }

  /** The client itself, also from a session-bound view of it: what per-client caches key on (acl.ts). */
  get client(): ZkClient {
    return this;
  }

  /**
   * One more request of this method and path shape. The shapes are bounded
   * (queue and node names without digits stay as they are, so a fleet has
   * as many as it has of those): past MAX_SHAPES, new ones count as one.
   */
  private countRequest(method: string, path: string): void {
    let shape = `${method} ${path.replace(/\/[^/]*\d[^/]*/g, '/N')}`;
    if (!this.requestCounts.has(shape) && this.requestCounts.size >= MAX_SHAPES) shape = `${method} (other paths)`;
    this.requestCounts.set(shape, (this.requestCounts.get(shape) ?? 0) + 1);
  }

  /** Call an async binding method and map its return code to a typed error. */
  private call<T>(method: string, path: string, args: unknown[], pick: (result: unknown[]) => T, fail?: Failure): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const handle = this.handle;
      if (!handle) {
        reject(new ClosingError(-116, path, 'zookeeper session is closed'));
        return;
      }
      const sentAt = monotonicMs();
      this.countRequest(method, path);
      const callback: Callback = (rc, error, ...result) => {
        if (handle === this.handle && SERVER_ANSWERS.has(rc)) this.lastHeardAt = Math.max(this.lastHeardAt, sentAt);
        if (rc === 0) resolve(pick(result));
        else reject(fail ? fail(rc, error, result) : zkErrorFromCode(rc, path, error, operationOf(method)));
      };
      const target = PASS_THROUGH.has(method) ? handle.native : handle;
      const fn = target[method] as (...a: unknown[]) => number;
      const rc = fn.call(target, ...args, callback);
      if (typeof rc === 'number' && rc < 0) reject(fail ? fail(rc, undefined, []) : zkErrorFromCode(rc, path, undefined, operationOf(method)));
    });
  }

  /**
   * Create a znode, open to all unless `acl` is given. a_create_acl is added
   * by patches/zookeeper+7.3.0.patch: the binding's own create has no ACL
   * argument, and a create followed by a set_acl leaves the node open in
   * between (and for good if we crash there).
   */
  create(path: string, data: Buffer | string, mode: CreateMode = 'persistent', acl?: readonly Acl[]): Promise<string> {
    if (!acl) return this.call('a_create', path, [path, data, FLAGS[mode]], (r) => String(r[0]));
    const native = acl.map((a) => ({ perm: a.perms, scheme: a.scheme, auth: a.auth }));
    return this.call('a_create_acl', path, [path, data, FLAGS[mode], native], (r) => String(r[0]));
  }

  /**
   * Apply every op or none, in one request (zk/multi.ts). A failing op
   * rejects with its own error class, at its path, naming the op
   * (`multiOp`); after a lost connection the multi was applied whole or not
   * at all. From a session-bound view it is bound like any request.
   */
  async multi(ops: readonly MultiOp[]): Promise<MultiResult[]> {
    if (ops.length === 0) return [];
    const native = toNativeOps(ops, FLAGS);
    const results = await this.call('a_multi', ops[0]!.path, [native], (r) => r[0] as NativeMultiResult[], (rc, error, r) =>
      multiError(ops, rc, error, r[0] as NativeMultiResult[] | undefined),
    );
    return fromNativeResults(ops, results);
  }

  /** Create unless it exists; true when this call created it. */
  async createIfAbsent(path: string, data: Buffer | string, mode: CreateMode = 'persistent', acl?: readonly Acl[]): Promise<boolean> {
    try {
      await this.create(path, data, mode, acl);
      return true;
    } catch (err) {
      if (err instanceof NodeExistsError) return false;
      throw err;
    }
  }

  /** Create every missing ancestor and the path itself as persistent nodes. */
  async mkdirp(path: string): Promise<void> {
    let current = '';
    for (const part of path.split('/').filter(Boolean)) {
      current += `/${part}`;
      await this.createIfAbsent(current, '');
    }
  }

  get(path: string): Promise<{ data: Buffer; stat: Stat }> {
    return this.call('a_get', path, [path, false], (r) => ({ stat: r[0] as Stat, data: toBuffer(r[1]) }));
  }

  async getOrNull(path: string): Promise<{ data: Buffer; stat: Stat } | null> {
    return orNull(this.get(path));
  }

  exists(path: string): Promise<Stat | null> {
    return orNull(this.call('a_exists', path, [path, false], (r) => r[0] as Stat));
  }

  children(path: string): Promise<string[]> {
    return this.call('a_get_children', path, [path, false], (r) => r[0] as string[]);
  }

  async childrenOrEmpty(path: string): Promise<string[]> {
    return (await orNull(this.children(path))) ?? [];
  }

  set(path: string, data: Buffer | string, version = -1): Promise<Stat> {
    return this.call('a_set', path, [path, data, version], (r) => r[0] as Stat);
  }

  delete(path: string, version = -1): Promise<void> {
    return this.call('a_delete_', path, [path, version], () => undefined);
  }

  /** Delete unless already gone; true when this call deleted it. */
  async deleteIfExists(path: string, version = -1): Promise<boolean> {
    try {
      await this.delete(path, version);
      return true;
    } catch (err) {
      if (err instanceof NoNodeError) return false;
      throw err;
    }
  }

  /** List children and arm a one-shot watch that calls onChange at the next change. */
  watchChildren(path: string, onChange: () => void): Promise<string[]> {
    return this.call('aw_get_children', path, [path, oneShot(onChange)], (r) => r[0] as string[]);
  }

  /** Data and stat (or null when absent) and a one-shot watch for data change or deletion. */
  async watchData(path: string, onChange: () => void): Promise<{ data: Buffer; stat: Stat } | null> {
    return orNull(this.call('aw_get', path, [path, oneShot(onChange)], (r) => ({ stat: r[0] as Stat, data: toBuffer(r[1]) })));
  }

  /** Stat (or null) and a one-shot watch for creation, deletion or data change. */
  watchExists(path: string, onChange: () => void): Promise<Stat | null> {
    return orNull(this.call('aw_exists', path, [path, oneShot(onChange)], (r) => r[0] as Stat));
  }

  /**
   * A znode's ACL. ZooKeeper masks digest ids in the reply unless we hold
   * ADMIN on the node, so this tells whether a node is open (world entries
   * are never masked), not who its identities are: a restricted queue keeps
   * those in an access znode (see acl.ts). (The binding's unpatched
   * acl_completion segfaults on a failed get_acl; the patch fixes that.)
   */
  getAcl(path: string): Promise<Acl[]> {
    return this.call('a_get_acl', path, [path], (r) => (r[0] as Acl[]).map((a) => ({ perms: a.perms, scheme: a.scheme, auth: a.auth })));
  }

  setAcl(path: string, acl: Acl[], version = -1): Promise<void> {
    return this.call('a_set_acl', path, [path, version, acl], () => undefined);
  }

  addAuth(scheme: string, auth: string): Promise<void> {
    return this.call('add_auth', '/', [scheme, auth], () => undefined);
  }

  /** Milliseconds since the server last provably heard from this session (lastHeardAt). */
  sinceHeardMs(): number {
    return monotonicMs() - this.lastHeardAt;
  }

  /** The cheapest request the server must answer itself (a stat of the root, served by any member): a heartbeat that moves lastHeardAt. */
  async ping(): Promise<void> {
    await this.exists('/');
  }
}

/** Session events reach per-call watchers too; only node events count as a change. */
function oneShot(onChange: () => void): WatchCallback {
  return (type) => {
    if (type !== SESSION_EVENT) onChange();
  };
}

function toBuffer(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (data === null || data === undefined) return Buffer.alloc(0);
  return Buffer.from(String(data));
}

async function orNull<T>(promise: Promise<T>): Promise<T | null> {
  try {
    return await promise;
  } catch (err) {
    if (err instanceof NoNodeError) return null;
    throw err;
  }
}
