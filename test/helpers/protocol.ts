// In-process protocol tests: the library's own submit, claim, complete and
// cancel driven against a real ZooKeeper by several clients standing for
// daemons and CLIs, each a real session, with faults from faults.ts. Each
// test gets a fresh root and queue on the file's one server.
import { after, before } from 'node:test';
import { ZkClient } from '../../src/zk/client.js';
import { Paths } from '../../src/zk/paths.js';
import { ensureQueue } from '../../src/queue.js';
import { submitJob } from '../../src/submit.js';
import { QueueClaimer, type ClaimedJob } from '../../src/claim.js';
import { makeResult, parseResult, type JobResult } from '../../src/result.js';
import type { JobId } from '../../src/job-id.js';
import { requestTouches, type Request } from './zk-proxy.js';
import { closeProxies, connectClient, connectThroughProxy, type ClientOptions } from './faults.js';
import { cleanup, startStandalone, type ZkCluster } from './zk-server.js';
import { freshRoot } from './cli.js';

export interface World {
  zk(): ZkCluster;
  /** A new client straight to the server (closed after the file). */
  client(options?: ClientOptions): Promise<ZkClient>;
  /** A new client through its own proxy, for traps and loseConnection. */
  proxied(options?: ClientOptions): ReturnType<typeof connectThroughProxy>;
  /** A fresh root with queue 'q' in it. */
  queue(): Promise<Queue>;
}

export interface Queue {
  paths: Paths;
  name: string;
  /** Submit a job as an ordinary client would; its id. */
  submit(zk: ZkClient, argv?: string[]): Promise<JobId>;
  /** A claimer of this queue for `node`, alone in the race (no spread). */
  claimer(zk: ZkClient, node: string): QueueClaimer;
  /** The result znode's record, or null. */
  result(zk: ZkClient, id: JobId): Promise<JobResult | null>;
  /** Which of the job's znodes exist now: spec, claim, result. */
  znodes(zk: ZkClient, id: JobId): Promise<{ spec: boolean; claim: boolean; result: boolean }>;
  /** How many job specs are pending in the queue (every bucket). */
  pendingCount(zk: ZkClient): Promise<number>;
}

/** One server for the file, every client and proxy closed after it. */
export function protocolWorld(): World {
  let cluster: ZkCluster | undefined;
  const clients: ZkClient[] = [];
  before(async () => {
    cluster = await startStandalone();
  });
  after(async () => {
    for (const c of clients) c.close();
    await closeProxies();
    await cleanup();
  });
  const zk = () => {
    if (!cluster) throw new Error('protocol world: no server yet');
    return cluster;
  };
  return {
    zk,
    async client(options) {
      const c = await connectClient(zk().connectString, options);
      clients.push(c);
      return c;
    },
    async proxied(options) {
      const made = await connectThroughProxy(zk().connectString, options);
      clients.push(made.zk);
      return made;
    },
    async queue() {
      const setup = await connectClient(zk().connectString);
      try {
        const paths = new Paths(freshRoot());
        await ensureQueue(setup, paths, 'q');
        return queueOf(paths, 'q');
      } finally {
        setup.close();
      }
    },
  };
}

function queueOf(paths: Paths, name: string): Queue {
  return {
    paths,
    name,
    submit: (zk, argv = ['true']) => submitJob(zk, paths, name, { argv, submittedAt: new Date().toISOString() }),
    claimer: (zk, node) => new QueueClaimer(zk, paths, name, node, () => 1),
    async result(zk, id) {
      const node = await zk.getOrNull(paths.result(id.queue, id.seq));
      return node ? parseResult(node.data) : null;
    },
    async znodes(zk, id) {
      const [spec, claim, result] = await Promise.all([
        zk.exists(paths.pendingJob(id.queue, id.seq)),
        zk.exists(paths.claim(id.queue, id.seq)),
        zk.exists(paths.result(id.queue, id.seq)),
      ]);
      return { spec: spec !== null, claim: claim !== null, result: result !== null };
    },
    async pendingCount(zk) {
      let n = 0;
      for (const bucket of await zk.childrenOrEmpty(paths.pending(name))) n += (await zk.childrenOrEmpty(paths.pendingBucket(name, bucket))).length;
      return n;
    },
  };
}

/** The result a daemon named `node` records for a claimed job that exited 0. */
export function succeeded(job: ClaimedJob, node: string): JobResult {
  return makeResult({ state: 'succeeded', exitCode: 0, reason: 'exit 0', node, attempt: job.attempt, spec: job.spec });
}

/** Request matchers for proxy traps. */
/** A create, set or delete of a path containing `fragment`, sent alone or as an op of a multi. */
export const isCreateOf = (fragment: string) => (r: Request) => requestTouches(r, [1, 15], (p) => p.includes(fragment));
export const isSetOf = (fragment: string) => (r: Request) => requestTouches(r, 5, (p) => p.includes(fragment));
export const isDeleteOf = (fragment: string) => (r: Request) => requestTouches(r, 2, (p) => p.includes(fragment));
