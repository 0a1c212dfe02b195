// The test harness itself, since every integration test trusts it: real
// servers answer, freeze and thaw do what fault tests expect, no JVM outlives
// the test process however it ends, and an ensemble elects one leader,
// survives losing it, and takes a restarted member back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startEnsemble, startStandalone, waitFor, type ZkMember } from '../helpers/zk-server.js';

const HELPER = new URL('../helpers/zk-server.js', import.meta.url).href;

function pidOf(member: ZkMember): number {
  return Number(readFileSync(path.join(member.dir, 'zookeeper.pid'), 'utf8'));
}

// Zombies count as dead: PID 1 here reaps an orphaned JVM up to ~2 s after
// it died, and kill(pid, 0) succeeds until then.
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

test('a standalone server answers, freezes, thaws, and is gone after stop', async () => {
  const zk = await startStandalone();
  const [server] = zk.members;
  const pid = pidOf(server);
  try {
    assert.notEqual(server.port, 2181);
    assert.equal(zk.connectString, `127.0.0.1:${server.port}`);
    assert.equal(await server.fourLetter('ruok'), 'imok');
    assert.equal(await server.mode(), 'standalone');
    assert.equal(await zk.leader(), null, 'a standalone server is no leader');
    server.freeze();
    assert.equal(await server.mode(300), null, 'a frozen server does not answer');
    server.thaw();
    assert.equal(await server.mode(), 'standalone');
  } finally {
    await zk.stop();
  }
  assert.equal(await server.mode(), null, 'stopped means stopped');
  assert.equal(alive(pid), false, 'the JVM is gone');
  assert.equal(existsSync(server.dir), false, 'the temp dir is removed');
});

// A child process starts a server through the helper, reports where it is,
// then ends as told; the server must die with it.
async function serverOfChild(end: 'exit' | 'SIGKILL'): Promise<{ pid: number; dir: string }> {
  const script = `
    const { startStandalone } = await import(${JSON.stringify(HELPER)});
    const { readFileSync } = await import('node:fs');
    const { dir } = (await startStandalone()).members[0];
    console.log(JSON.stringify({ dir, pid: Number(readFileSync(dir + '/zookeeper.pid', 'utf8')) }));
    if (${JSON.stringify(end)} === 'exit') process.exit(0);
    setTimeout(() => {}, 60_000); // bounded, should this test fail to kill it`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let exited = false;
  child.stdout.on('data', (chunk) => (out += chunk));
  child.on('exit', () => (exited = true));
  const reported = () => {
    if (out.includes('\n')) return out;
    if (exited) throw new Error('the child exited before it reported a server');
  };
  let report: { dir: string; pid: number };
  try {
    report = JSON.parse(await waitFor('the child to start a server', reported, 30_000));
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  if (end === 'SIGKILL') child.kill('SIGKILL');
  return { pid: report.pid, dir: path.dirname(report.dir) };
}

// Both endings at once: each costs a node and a JVM start.
test('a server dies with its test process, on exit and on SIGKILL', async () => {
  await Promise.all((['exit', 'SIGKILL'] as const).map(async (end) => {
    const { pid, dir } = await serverOfChild(end);
    try {
      // SIGKILL leaves it to the script's watchdog, which polls every second.
      await waitFor(`ZooKeeper ${pid} to die after its owner's ${end}`, () => !alive(pid), 5_000, 50);
    } finally {
      if (alive(pid)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }));
});

test('an ensemble of three elects one leader, fails over, and takes a member back', async () => {
  const zk = await startEnsemble(3);
  try {
    assert.equal(zk.connectString.split(',').length, 3);
    const modes = await Promise.all(zk.members.map((m) => m.mode()));
    assert.equal(modes.filter((m) => m === 'leader').length, 1, `modes: ${modes}`);
    assert.equal(modes.filter((m) => m === 'follower').length, 2, `modes: ${modes}`);

    const leader = (await zk.leader())!;
    await leader.kill();
    assert.equal(await leader.mode(), null, 'a killed member does not answer');
    const next = await waitFor('a new leader', () => zk.leader(), 30_000, 100);
    assert.notEqual(next.id, leader.id);

    await leader.start();
    assert.equal(await waitFor('the old leader to rejoin', () => leader.mode(), 30_000, 100), 'follower');
    assert.equal((await zk.leader())?.id, next.id, 'a rejoining member does not take over');
  } finally {
    await zk.stop();
  }
  for (const m of zk.members) assert.equal(existsSync(m.dir), false);
});
