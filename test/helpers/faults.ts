// Session faults on demand for in-process tests, after kazoo's test harness
// (`expire_session()`, `lose_connection()`): real servers, real sessions, no
// waiting out a session timeout.
//
// - expireSession(client): a second handle opened with the client's session
//   id and password takes the session over; closing it ends the session in
//   the server, and the client hears SESSION_EXPIRED when it reconnects.
// - loseConnection(client): the client's TCP connections are cut by the proxy
//   it was connected through (zk-proxy.ts); the session lives on and the
//   client reconnects to it, its ephemeral nodes and claims intact.
//
// Clients made by connectClient / connectThroughProxy remember the servers'
// own connect string, so the helpers need nothing else.
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { ZkClient, type ZkClientOptions, type ZkTlsFiles } from '../../src/zk/client.js';
import { ZkProxy } from './zk-proxy.js';

export type ClientOptions = Omit<ZkClientOptions, 'connect'>;

/** The servers' connect string of each client made here (the proxy's is not the server's). */
const upstreamOf = new WeakMap<ZkClient, string>();
const proxyOfClient = new WeakMap<ZkClient, ZkProxy>();
/** The TLS files of a client made with them: the second handle of expireSession needs them too. */
const tlsOfClient = new WeakMap<ZkClient, ZkTlsFiles>();
const openProxies = new Set<ZkProxy>();

/** A client straight to the servers, which expireSession knows how to reach. */
export async function connectClient(connect: string, options: ClientOptions = {}): Promise<ZkClient> {
  const zk = await ZkClient.connect({ connectTimeoutMs: 10_000, ...options, connect });
  upstreamOf.set(zk, connect);
  if (options.tls) tlsOfClient.set(zk, options.tls);
  return zk;
}

/** A client whose every connection goes through a proxy of its own, for loseConnection and traps. */
export async function connectThroughProxy(connect: string, options: ClientOptions = {}): Promise<{ zk: ZkClient; proxy: ZkProxy }> {
  const proxy = await ZkProxy.start(connect);
  openProxies.add(proxy);
  try {
    const zk = await ZkClient.connect({ connectTimeoutMs: 10_000, ...options, connect: proxy.connectString });
    upstreamOf.set(zk, connect);
    proxyOfClient.set(zk, proxy);
    return { zk, proxy };
  } catch (err) {
    await closeProxy(proxy);
    throw err;
  }
}

/** The proxy a client was connected through. */
export function proxyOf(client: ZkClient): ZkProxy {
  const proxy = proxyOfClient.get(client);
  if (!proxy) throw new Error('faults: this client was not made by connectThroughProxy');
  return proxy;
}

/** Close every proxy made here: `after(closeProxies)`. */
export async function closeProxies(): Promise<void> {
  await Promise.all([...openProxies].map(closeProxy));
}

async function closeProxy(proxy: ZkProxy): Promise<void> {
  openProxies.delete(proxy);
  await proxy.close();
}

const require = createRequire(import.meta.url);
// The binding itself, not ZkClient: only it opens a handle on an existing
// session (its init takes client_id and client_password).
const Binding = require('zookeeper') as new (config: object) => RawHandle;
interface RawHandle {
  init(config: object): void;
  close(): void;
  once(event: 'connect' | 'close', listener: () => void): void;
}

/**
 * Expire client's current session now, and resolve once the client has seen
 * the expiry ('expired' emitted). The session's ephemeral nodes are gone in
 * the server by then. A client made with `renew` goes on to a new session.
 */
export async function expireSession(client: ZkClient, timeoutMs = 30_000): Promise<void> {
  const connect = upstreamOf.get(client);
  if (!connect) throw new Error('faults: this client was not made by connectClient or connectThroughProxy');
  const id = client.sessionId;
  const password = client.sessionPassword;
  if (!password) throw new Error('faults: the client has no open session to expire');
  const events = new AbortController();
  const expired = nextEvent(client, 'expired', events.signal);
  const deadline = Date.now() + timeoutMs;
  try {
    // The client can take the session back between our connect and our
    // close (it reconnects at once when the server drops it for us); then
    // the close ends nothing and we try again, as kazoo's harness does.
    for (;;) {
      await takeOverAndClose(connect, id, password, client.negotiatedTimeoutMs || 10_000, tlsOfClient.get(client));
      const seen = await settlesWithin(expired, Math.min(5_000, Math.max(0, deadline - Date.now())));
      if (seen) return;
      if (Date.now() > deadline) throw new Error(`faults: session ${id} did not expire within ${timeoutMs} ms`);
    }
  } finally {
    events.abort();
  }
}

/**
 * End client's session in the server without waiting for the client to hear
 * of it: for a client cut off from the server (proxy refusing), which learns
 * of the expiry only when it reconnects, as in a partition.
 */
export async function endSessionInServer(client: ZkClient): Promise<void> {
  const connect = upstreamOf.get(client);
  if (!connect) throw new Error('faults: this client was not made by connectClient or connectThroughProxy');
  await takeOverAndClose(connect, client.sessionId, client.sessionPassword, client.negotiatedTimeoutMs || 10_000);
}

/** Open a handle on session id, wait until it is connected (or told the session is gone), close it. */
async function takeOverAndClose(connect: string, id: string, password: string, timeoutMs: number, tls?: ZkTlsFiles): Promise<void> {
  const handle = new Binding({ connect, timeout: timeoutMs, client_id: id, client_password: password, debug_level: 0, ssl: tls });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`faults: could not open session ${id} at ${connect}`)), 10_000);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    handle.once('connect', done);
    handle.once('close', done);
    handle.init({});
  }).finally(() => handle.close());
}

export interface LoseConnectionOptions {
  /** Keep refusing reconnections this long after the cut, in ms. Default 0. */
  downMs?: number;
  /** Resolve only once the client is connected again. Default true. */
  reconnect?: boolean;
  /** Bound on each wait. Default 20000 ms. */
  timeoutMs?: number;
}

/**
 * Drop the client's connection without ending its session: resolves once the
 * client has seen the disconnection and, by default, has reconnected to the
 * same session.
 */
export async function loseConnection(client: ZkClient, options: LoseConnectionOptions = {}): Promise<void> {
  const { downMs = 0, reconnect = true, timeoutMs = 20_000 } = options;
  const proxy = proxyOf(client);
  const events = new AbortController();
  const disconnected = nextEvent(client, 'disconnected', events.signal);
  const reconnected = nextEvent(client, 'reconnected', events.signal);
  try {
    if (downMs > 0) proxy.refuse(true);
    proxy.cut();
    if (!(await settlesWithin(disconnected, timeoutMs))) throw new Error(`faults: the client did not see its connection drop within ${timeoutMs} ms`);
    if (downMs > 0) setTimeout(() => proxy.refuse(false), downMs);
    if (!reconnect) return;
    if (!(await settlesWithin(reconnected, downMs + timeoutMs))) throw new Error(`faults: the client did not reconnect within ${downMs + timeoutMs} ms`);
  } finally {
    events.abort();
  }
}

/** The next emission of event, as a promise that never rejects (false once signal aborts), listener removed either way. */
function nextEvent(client: ZkClient, event: 'expired' | 'disconnected' | 'reconnected', signal: AbortSignal): Promise<boolean> {
  return once(client, event, { signal }).then(() => true, () => false);
}

/** What promise resolves to, or false once ms have passed. */
async function settlesWithin(promise: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
