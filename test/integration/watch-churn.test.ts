// An idle daemon hears of the next job through a watch, whatever happened
// before: ZooKeeper restarted (cleanly and killed), its session expired, its
// queue deleted and re-created under it, peers come and gone. And the
// watches it holds stay a small constant, however many jobs it has run:
// the server's own count (wchc), not the daemon's idea of it.
//
// Before the fix, a daemon whose queue was deleted and re-created took the
// 5 s idle rescan for every job from then on (its counter watch was gone for
// good), and every job it ran left a watch on the path of a deleted spec.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { standaloneFixture } from '../helpers/fixture.js';
import { waitFor } from '../helpers/zk-server.js';
import { freshRoot, ok, startDaemon, type DaemonProcess } from '../helpers/cli.js';
import { connectTo } from '../helpers/zk.js';
import { daemonSession, serverWatchCount, wakeLatency, watchesOf } from '../helpers/watch-count.js';

const fixture = standaloneFixture();
const QUEUE = 'churn';
/**
 * An idle daemon serving one queue watches its counter, its config (an
 * exists watch on the queue node), the queue node's children (whether the
 * counter is there: a queue being deleted, see daemon/queue-configs.ts), its
 * cancels, the peers and its own drain request (an exists watch, see
 * daemon/drain-watch.ts), and for a while the bucket of the next job and
 * pending/: 8 at most.
 */
const MAX_WATCHES = 8;
/** A fresh daemon takes 50–150 ms; the idle rescan 5 s. Far from both, for a loaded machine. */
const MAX_LATENCY_MS = 2_000;

test('after restarts, expiry, queue re-creation and peer churn, an idle daemon is woken by a watch and holds few watches', { timeout: 300_000 }, async (t) => {
  const cluster = fixture.zk();
  const member = cluster.members[0];
  const connect = cluster.connectString;
  const root = freshRoot();
  // The test's own session is closed across ZooKeeper restarts and opened
  // again after: a session of the test process that expires meanwhile can
  // leave the binding unable to connect again in this process.
  let conn: Awaited<ReturnType<typeof connectTo>> | null = null;
  t.after(() => conn?.zk.close());
  const client = async () => (conn && conn.zk.state !== 'closed' ? conn : (conn = await connectTo(connect, root)));
  const disconnect = () => {
    conn?.zk.close();
    conn = null;
  };
  const start = async (nodeId: string): Promise<DaemonProcess> => {
    const d = await startDaemon({ zk: connect, root, nodeId, queues: [QUEUE], slots: 2 });
    fixture.daemons.push(d);
    return d;
  };
  const probe = async (n: number) => {
    const out: Array<{ ms: number; node: string }> = [];
    for (let i = 0; i < n; i++) {
      const { zk, paths } = await client();
      out.push(await wakeLatency(zk, paths, QUEUE));
    }
    return out;
  };
  const session = (nodeId: string) => daemonSession(client, nodeId);

  const a = await start('a');
  a.exited.then(({ code, signal }) => {
    // Said at once: a daemon that dies mid-churn fails a later wait with its log only.
    if (!a.log.includes('zkjobd stopped')) console.error(`zkjobd a died: exit ${code} signal ${signal}\n${a.log.split('\n').slice(-15).join('\n')}`);
  });
  const fresh = await probe(3);

  // ZooKeeper restarted: cleanly, then killed.
  for (const how of ['stop', 'kill'] as const) {
    const back = (a.log.match(/connection back|session expired/g) ?? []).length;
    disconnect();
    await member[how]();
    await member.start();
    await waitFor('a to reconnect', () => (a.log.match(/connection back|session expired/g) ?? []).length > back, 30_000, 100);
    await session('a');
    await probe(1);
  }

  // a's session expires: frozen past its 4 s timeout, the server ends it.
  const old = await session('a');
  a.signal('SIGSTOP');
  await waitFor("a's session to expire", async () => {
    const { zk, paths } = await client();
    return (await zk.exists(paths.node('a')))?.ephemeralOwner !== old;
  }, 30_000, 100);
  a.signal('SIGCONT');
  await a.waitForLog(/session expired/);
  await waitFor('a to register a new session', async () => (await session('a')) !== old, 30_000, 100);
  await probe(2);

  // The queue deleted and re-created under the idle daemon, twice.
  for (let i = 0; i < 2; i++) {
    await ok('zkjobq', ['delete', '--zk', connect, '--root', root, QUEUE]);
    await ok('zkjobq', ['create', '--zk', connect, '--root', root, QUEUE]);
    await probe(2);
  }

  // Peers join, take jobs, and leave: one stopped, one killed.
  const b = await start('b');
  const c = await start('c');
  await probe(4);
  await b.stop();
  c.signal('SIGKILL');
  await waitFor("c's registration to expire", async () => {
    const { zk, paths } = await client();
    return !(await zk.exists(paths.node('c')));
  }, 30_000, 100);

  // a alone again, idle between jobs.
  const after = await probe(8);
  t.diagnostic(`wake-up latency ms: fresh ${fresh.map((r) => r.ms).join(' ')}; after churn ${after.map((r) => r.ms).join(' ')}`);
  assert.deepEqual(after.map((r) => r.node), after.map(() => 'a'), 'a ran every job once alone');
  const { paths } = await client();
  // a is the only client left with watches (the test's own session arms
  // none). It re-arms its counter watch once its last job has ended and a
  // pass found nothing: give it a moment, well under the idle rescan.
  const id = await session('a');
  let watches: string[] = [];
  const counterWatched = await waitFor("a's counter watch", async () => (watches = await watchesOf(member, id)).includes(paths.counter(QUEUE)), 3_000, 50).catch(() => false);
  const total = await serverWatchCount(member);
  t.diagnostic(`a's watches after ${3 + 2 + 2 + 4 + 4 + 8} jobs: ${total}, of which data watches: ${watches.join(' ')}`);
  assert.ok(counterWatched, `a watches its queue's counter: ${watches.join(' ')}`);
  assert.ok(watches.includes(paths.drain('a')), `a watches its own drain request, never made, across the churn: ${watches.join(' ')}`);
  assert.ok(total <= MAX_WATCHES, `a holds ${total} watches, at most ${MAX_WATCHES} wanted; data watches: ${watches.join(' ')}`);
  const slow = after.filter((r) => r.ms > MAX_LATENCY_MS);
  assert.deepEqual(slow, [], `every job started within ${MAX_LATENCY_MS} ms of its submission: ${after.map((r) => r.ms).join(' ')}`);
});

test('an idle daemon does not read again what its armed watches cover: one job at a time, its counter, pending/ and claims/ are read about once per job, its bucket twice', { timeout: 120_000 }, async (t) => {
  const connect = fixture.zk().connectString;
  const root = freshRoot();
  const jobs = 10;
  const daemon = await startDaemon({ zk: connect, root, nodeId: 'trickle', queues: [QUEUE], slots: 2 });
  fixture.daemons.push(daemon);
  // As a script does: submit, wait for the result, submit the next.
  for (let i = 0; i < jobs; i++) await ok('zkjobc', ['submit', '--zk', connect, '--root', root, '-q', QUEUE, '--wait', '--', 'true']);
  await daemon.stop();
  const logged = daemon.requestCounts();
  assert.ok(logged, `the daemon logged its request counts: ${daemon.log.slice(-500)}`);
  const counts = Object.entries(logged);
  const reads = (shape: RegExp) => counts.filter(([s]) => shape.test(s)).reduce((n, [, c]) => n + c, 0);
  // Each job's number changes the counter, which fires the watch: one read
  // to arm it again. Every other wake-up of a job (its creation, its end,
  // its spec's deletion) found the counter's watch armed: nothing to read.
  // pending/ changes only when a bucket is made or reaped; the claimer's
  // listings of it come from its armed watch. claims/ is listed when a
  // listing of the head shows a job this node does not hold: once a job.
  // The bucket changes twice per job (the job's creation, its spec's
  // deletion), and each change fires its watch: the claimer's listing that
  // follows arms it again, and every later look until the next change is
  // answered from that read (it was read again to arm it: four a job).
  const read = {
    counter: reads(new RegExp(`^aw?_get \\S*/queues/${QUEUE}/seq$`)),
    'pending/': reads(new RegExp(`^aw?_get_children \\S*/queues/${QUEUE}/pending$`)),
    'claims/': reads(new RegExp(`^aw?_get_children \\S*/queues/${QUEUE}/claims$`)),
  };
  const bucket = reads(new RegExp(`^aw?_get_children \\S*/queues/${QUEUE}/pending/N$`));
  t.diagnostic(`${jobs} jobs one at a time: reads ${JSON.stringify({ ...read, bucket })}, ${counts.reduce((n, [, c]) => n + c, 0)} requests in all, start and stop included`);
  for (const [node, n] of Object.entries(read)) {
    assert.ok(n > 0, `the reads of ${node} are counted under its shape`);
    // A few more for the daemon's start, and a lone node's listing of claims/ every 5 s.
    assert.ok(n <= jobs + 5, `${node} was read ${n} times for ${jobs} jobs one at a time, at most ${jobs + 5} wanted`);
  }
  assert.ok(bucket > 0, 'the reads of the bucket are counted under its shape');
  assert.ok(bucket <= 2 * jobs + 5, `the bucket was read ${bucket} times for ${jobs} jobs one at a time, at most ${2 * jobs + 5} wanted`);
});
