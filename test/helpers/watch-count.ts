// What the ZooKeeper server says a session is watching, from its four-letter
// words (the test servers whitelist every 4lw), and how long an idle daemon
// takes to start a job: the two things a lost or leaked watch shows up in.
//
// In ZooKeeper 3.8, `wchc` (per session) and `wchp` (per path) list data
// watches only (getData and exists); child watches show only in the total
// of `mntr`'s zk_watch_count, over every session.
import { setTimeout as delay } from 'node:timers/promises';
import type { ZkMember } from './zk-server.js';
import { waitFor } from './zk-server.js';
import type { ZkClient } from '../../src/zk/client.js';
import type { Paths } from '../../src/zk/paths.js';
import { submitJob } from '../../src/submit.js';
import { parseResult } from '../../src/result.js';

/** Session ids as the server prints them and as the binding reports them differ in form: compare as numbers. */
function sessionKey(id: string): bigint {
  return BigInt(`0x${id.replace(/^0x/i, '')}`);
}

/**
 * The paths a session watches, per the server. wchc lists each session as a
 * `0x…` line followed by one tab-indented line per watched path.
 */
export async function watchesOf(member: ZkMember, session: string): Promise<string[]> {
  const answer = await member.fourLetter('wchc', 5_000);
  if (answer === '') throw new Error(`ZooKeeper on port ${member.port} did not answer wchc`);
  const wanted = sessionKey(session);
  const paths: string[] = [];
  let current: bigint | null = null;
  for (const line of answer.split('\n')) {
    if (/^0x[0-9a-f]+\s*$/i.test(line)) current = sessionKey(line.trim());
    else if (/^\s+\//.test(line) && current === wanted) paths.push(line.trim());
  }
  return paths;
}

/** Every watch the server holds, data and child, over all sessions. */
export async function serverWatchCount(member: ZkMember): Promise<number> {
  const answer = await member.fourLetter('mntr', 5_000);
  const count = /^zk_watch_count\s+(\d+)$/m.exec(answer)?.[1];
  if (count === undefined) throw new Error(`no zk_watch_count in mntr from port ${member.port}`);
  return Number(count);
}

/** The session that holds a node's registration: the daemon's current session. */
export async function daemonSession(connection: () => Promise<{ zk: ZkClient; paths: Paths }>, nodeId: string): Promise<string> {
  return waitFor(`${nodeId} to be registered`, async () => {
    const { zk, paths } = await connection();
    return (await zk.exists(paths.node(nodeId)).catch(() => null))?.ephemeralOwner;
  }, 30_000, 100);
}

/** How long the daemon sits idle before each submission: past its last claiming pass, into the wait for a watch. */
const IDLE_MS = 500;

/**
 * Submit `true` to an idle daemon and return how long it took to start it:
 * from just before the submit to the startedAt of its result. Waits for the
 * result and then until the job's claim is gone, so that the daemon is idle
 * again when this returns.
 */
export async function wakeLatency(zk: ZkClient, paths: Paths, queue: string): Promise<{ ms: number; node: string }> {
  // Idle time between submissions, as in real use, not a wait for a
  // condition: submitted at once, a job would be found by the pass that the
  // previous job's end started, and no watch would be needed.
  await delay(IDLE_MS);
  const t0 = Date.now();
  const { seq } = await submitJob(zk, paths, queue, { argv: ['true'], submittedAt: new Date(t0).toISOString() });
  const node = await waitFor(`result of ${queue}/${seq}`, () => zk.getOrNull(paths.result(queue, seq)), 30_000, 10);
  const result = parseResult(node.data);
  await waitFor(`claim of ${queue}/${seq} to go`, async () => !(await zk.exists(paths.claim(queue, seq))), 10_000, 10);
  return { ms: Date.parse(result.startedAt ?? result.finishedAt) - t0, node: result.node };
}
