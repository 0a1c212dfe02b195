// Node registry: each daemon keeps an ephemeral record under ROOT/nodes while
// its session lives. Peers count these records to size their claim spread
// and watch their list to learn when a peer dies (its claims die with it).
//
// A daemon restarted after SIGKILL may find its old record still there,
// owned by the dead session until it expires: it waits for that, rather
// than taking over a name that another live daemon may be using.
import os from 'node:os';
import type { Paths } from './zk/paths.js';
import type { ZkClient } from './zk/client.js';
import { retry } from './zk/retry.js';
import { createEphemeralOnce } from './zk/ephemeral.js';
import { encodeNodeRecord, parseNodeRecord, type NodeRecord } from './node-record.js';
import { UnavailableError } from './errors.js';
import type { Hardware } from './hardware.js';
import type { Activity } from './activity.js';

export const VERSION = '0.1.0';

/** This daemon's record; the last hardware sample, when there is one, replaces the quick load and memory figures. */
export function describeThisNode(slots: number, queues: string[], running: string[], startedAt: string, http: string | null = null, hardware?: Hardware, activity?: Activity): NodeRecord {
  const quick: NodeRecord = {
    host: os.hostname(),
    pid: process.pid,
    slots,
    running,
    queues,
    version: VERSION,
    startedAt,
    load: os.loadavg().map((l) => Math.round(l * 100) / 100),
    memFree: os.freemem(),
    memTotal: os.totalmem(),
    http,
  };
  return { ...quick, ...hardware, ...(activity ? { activity } : {}) };
}

/** Create our ephemeral record, waiting up to waitMs for a stale one of a dead session to expire. */
export async function registerNode(zk: ZkClient, paths: Paths, nodeId: string, record: NodeRecord, waitMs: number): Promise<void> {
  await retry(() => zk.mkdirp(paths.nodes()));
  // The record's startedAt and load make its bytes this call's own, as createEphemeralOnce needs.
  const data = encodeNodeRecord(record);
  const deadline = Date.now() + waitMs;
  while (!(await retry(() => createEphemeralOnce(zk, paths.node(nodeId), data)))) {
    if (Date.now() > deadline) {
      throw new UnavailableError(`node id '${nodeId}' is registered by another live session; is another zkjobd running with this --node-id?`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function updateNode(zk: ZkClient, paths: Paths, nodeId: string, record: NodeRecord): Promise<void> {
  await retry(() => zk.set(paths.node(nodeId), encodeNodeRecord(record)));
}

export async function unregisterNode(zk: ZkClient, paths: Paths, nodeId: string): Promise<void> {
  await retry(() => zk.deleteIfExists(paths.node(nodeId)));
}

export interface NodeEntry {
  id: string;
  record: NodeRecord | null;
  error: string | null;
}

export function listNodes(zk: ZkClient, paths: Paths): Promise<NodeEntry[]> {
  return retry(() => readNodes(zk, paths));
}

async function readNodes(zk: ZkClient, paths: Paths): Promise<NodeEntry[]> {
  const ids = (await zk.childrenOrEmpty(paths.nodes())).sort();
  const entries = await Promise.all(ids.map(async (id): Promise<NodeEntry | null> => {
    const node = await zk.getOrNull(paths.node(id));
    if (!node) return null;
    try {
      return { id, record: parseNodeRecord(node.data), error: null };
    } catch (err) {
      return { id, record: null, error: (err as Error).message };
    }
  }));
  return entries.filter((e): e is NodeEntry => e !== null);
}
