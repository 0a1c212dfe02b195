// Claim-ahead (src/daemon/claimed-ahead.ts) against real daemons and a real
// ZooKeeper: a node whose slots are busy claims one more job per slot, shows
// it as pending ("claimed ahead"), and starts it when a slot frees. Such a
// job runs exactly once: never while its claim may be lost (a frozen
// server), released at once on drain and on SIGTERM so that a peer runs
// it, ended without a run by a cancel, and counted against max_running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { standaloneFixture } from '../helpers/fixture.js';
import { waitFor } from '../helpers/zk-server.js';
import { FIXTURES, freshRoot, ok, startDaemon, type DaemonProcess } from '../helpers/cli.js';
import { recordFile, waitAllFinished } from '../helpers/jobs.js';
import { readRunEvents, startsPerJob } from '../helpers/run-records.js';

const fixture = standaloneFixture();

/** How long a job must stay pending for "nothing ran it" to mean something: several claim passes and node-record writes. */
const QUIET_MS = 4_000;

function session(root: string) {
  const connect = fixture.zk().connectString;
  const conn = ['--zk', connect, '--root', root];
  const status = async (id: string) => JSON.parse(await ok('zkjobc', ['status', ...conn, '--json', id]));
  const submit = async (...argv: string[]) => (await ok('zkjobc', ['submit', ...conn, '--', ...argv])).trim();
  /** A job that runs until the test opens its gate. */
  const gate = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'zkjobs-ahead-')), 'go');
  const gated = (file: string) => submit('sh', '-c', `while [ ! -e ${file} ]; do sleep 0.05; done`);
  const recorded = (record: string, sleep = '0') => submit(path.join(FIXTURES, 'record-run.sh'), record, sleep);
  const daemon = async (nodeId: string, slots = 1, args: string[] = []) => {
    const d = await startDaemon({ zk: connect, root, nodeId, slots, args });
    fixture.daemons.push(d);
    return d;
  };
  /** Waits until `id` is claimed ahead by `node`: pending, with that reason. */
  const claimedAhead = (id: string, node: string) => waitFor(`${id} to be claimed ahead by ${node}`, async () => {
    const s = await status(id);
    return s.state === 'pending' && s.reason === `claimed ahead by ${node}; starts when a slot frees there` ? s : null;
  }, 20_000, 100);
  const finished = (id: string, timeoutMs = 30_000) => waitFor(`${id} to finish`, async () => {
    const s = await status(id);
    return s.result ? s : null;
  }, timeoutMs, 100);
  return { root, connect, conn, status, submit, gate, gated, recorded, daemon, claimedAhead, finished };
}

test('a busy node claims the next job ahead, shows it pending, and starts it once when the slot frees', { timeout: 120_000 }, async () => {
  const s = session(freshRoot());
  await s.daemon('n1');
  const record = recordFile('ahead');
  const file = s.gate();
  const first = await s.gated(file);
  await waitFor('the first job to run', async () => (await s.status(first)).state === 'running', 20_000);
  const next = await s.recorded(record);
  const ahead = await s.claimedAhead(next, 'n1');
  assert.equal(ahead.claim.ahead, true);
  assert.equal(ahead.node, 'n1');
  // Listed the same way by zkjobq list: pending with the reason, not running.
  const listed = (await ok('zkjobq', ['list', ...s.conn, '--json'])).trim().split('\n').map((l) => JSON.parse(l) as { id: string; state: string; reason: string });
  assert.deepEqual(listed.filter((j) => j.id === next).map((j) => [j.state, j.reason]), [['pending', 'claimed ahead by n1; starts when a slot frees there']]);
  assert.deepEqual(readRunEvents(record), [], 'nothing of it runs while the slot is busy');
  writeFileSync(file, '');
  const done = await s.finished(next);
  assert.equal(done.state, 'succeeded');
  assert.equal(done.node, 'n1');
  assert.deepEqual([...startsPerJob(readRunEvents(record)).values()], [1]);
});

test('a cancel ends a job claimed ahead without running it', { timeout: 120_000 }, async () => {
  const s = session(freshRoot());
  const d = await s.daemon('n1');
  const record = recordFile('ahead-cancel');
  const file = s.gate();
  const first = await s.gated(file);
  await waitFor('the first job to run', async () => (await s.status(first)).state === 'running', 20_000);
  const next = await s.recorded(record);
  await s.claimedAhead(next, 'n1');
  await ok('zkjobc', ['cancel', ...s.conn, next]);
  const done = await s.finished(next);
  assert.equal(done.state, 'cancelled');
  await d.waitForLog(/cancelling job claimed ahead; it never started/);
  writeFileSync(file, '');
  assert.equal((await s.finished(first)).state, 'succeeded');
  assert.deepEqual(readRunEvents(record), [], 'the cancelled job never ran');
});

/** n1 runs a gated job with `next` claimed ahead; n2, idle, serves the same queue. */
async function aheadOnN1(s: ReturnType<typeof session>, n1Args: string[] = []) {
  const n1 = await s.daemon('n1', 1, n1Args);
  const record = recordFile('ahead-release');
  const file = s.gate();
  const first = await s.gated(file);
  await waitFor('the first job to run', async () => (await s.status(first)).state === 'running', 20_000);
  const next = await s.recorded(record);
  await s.claimedAhead(next, 'n1');
  const n2 = await s.daemon('n2');
  return { n1, n2, record, file, first, next };
}

async function releasedToPeer(s: ReturnType<typeof session>, n1: DaemonProcess, h: { record: string; first: string; next: string }): Promise<void> {
  const done = await s.finished(h.next, 20_000);
  assert.equal(done.state, 'succeeded');
  assert.equal(done.node, 'n2', 'the peer ran the job n1 had claimed ahead');
  assert.equal((await s.status(h.first)).state, 'running', 'while n1 still runs its own job: it was released at once');
  await n1.waitForLog(/job claimed ahead released unstarted, for a peer to run/);
  assert.deepEqual([...startsPerJob(readRunEvents(h.record)).entries()], [[h.next, 1]]);
}

test('a drained node releases the job it claimed ahead at once, and a peer runs it', { timeout: 120_000 }, async () => {
  const s = session(freshRoot());
  const h = await aheadOnN1(s);
  await ok('zkjobq', ['drain', ...s.conn, 'n1']);
  await releasedToPeer(s, h.n1, h);
  writeFileSync(h.file, '');
  assert.equal((await s.finished(h.first)).node, 'n1', 'the drained node finishes its running job');
});

test('a stopping node (SIGTERM) releases the job it claimed ahead at once, while its running job has its grace', { timeout: 120_000 }, async () => {
  const s = session(freshRoot());
  const h = await aheadOnN1(s, ['--stop-grace', '60s']);
  h.n1.signal('SIGTERM');
  await releasedToPeer(s, h.n1, h);
  writeFileSync(h.file, '');
  assert.equal((await s.finished(h.first)).node, 'n1', 'the running job finished within the grace');
  assert.equal((await h.n1.exited).code, 0);
});

test('a job claimed ahead counts against max_running like a running one', { timeout: 120_000 }, async () => {
  const s = session(freshRoot());
  await ok('zkjobq', ['create', ...s.conn, '--max-running', '3', 'default']);
  await s.daemon('n1');
  const file = s.gate();
  const first = await s.gated(file);
  await waitFor('the first job to run', async () => (await s.status(first)).state === 'running', 20_000);
  const second = await s.gated(file);
  await s.claimedAhead(second, 'n1');
  // Two run slots held (one running, one claimed ahead): n1 claims no more ahead, it would take the last.
  const third = await s.gated(file);
  await s.daemon('n2', 2);
  await waitFor('the third job to run on n2', async () => {
    const st = await s.status(third);
    return st.state === 'running' && st.node === 'n2';
  }, 20_000, 100);
  const fourth = await s.submit('true');
  const until = Date.now() + QUIET_MS;
  while (Date.now() < until) {
    const st = await s.status(fourth);
    assert.equal(st.state, 'pending', `the fourth job waits although n2 has a free slot: the queue's three run slots are held; it is ${st.state} on ${st.node}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.equal((await s.status(fourth)).reason, 'queue limit reached (3 of max 3 running)');
  writeFileSync(file, '');
  for (const id of [first, second, third, fourth]) assert.equal((await s.finished(id)).state, 'succeeded');
});

test('a job claimed ahead never starts while its claim may be lost, and runs once after the session expired', { timeout: 180_000 }, async () => {
  const s = session(freshRoot());
  // 10 s session, 2 s grace: TERM after 7 s of silence; the server frozen for longer than the session.
  const d = await s.daemon('n1', 1, ['--session-timeout', '10s', '--kill-grace', '2s']);
  const record = recordFile('ahead-expiry');
  // The running job outlasts the TERM point: the fence kills it while the server is frozen, and its slot frees then.
  const first = await s.recorded(record, '20');
  await waitFor('the first job to start', () => readRunEvents(record).some((e) => e.kind === 'start'), 20_000);
  const next = await s.recorded(record);
  await s.claimedAhead(next, 'n1');
  const server = fixture.zk().members[0];
  server.freeze();
  let thawedAt: bigint;
  try {
    await d.waitForLog(/no answer from ZooKeeper for too long/, 20_000);
    // Past the session timeout: the server expires the session once it runs again.
    await new Promise((r) => setTimeout(r, 9_000));
  } finally {
    thawedAt = BigInt(Date.now()) * 1_000_000n;
    server.thaw();
  }
  const results = await waitAllFinished(s.connect, s.root, 2, 90_000);
  assert.deepEqual(results.map((j) => j.result?.state), ['succeeded', 'succeeded']);
  const starts = readRunEvents(record).filter((e) => e.kind === 'start');
  const ofNext = starts.filter((e) => e.job === next);
  assert.equal(ofNext.length, 1, `the job claimed ahead ran exactly once:\n${starts.map((e) => `${e.job} ${e.node} ${e.ns}`).join('\n')}`);
  assert.ok(ofNext[0].ns > thawedAt, 'and only after the server was back, under a new claim');
  assert.equal(starts.filter((e) => e.job === first).length, 2, 'the running job was killed by the fence and ran again');
  assert.match(d.log, /job claimed ahead released unstarted/);
});
