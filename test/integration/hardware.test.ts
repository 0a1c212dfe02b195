// Each node's hardware in its record: a fake nvidia-smi on the daemon's PATH
// shows up as GPUs in `zkjobq nodes` (table and --json), a change in its
// answer reaches the record, and a node without one has no GPU fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { standaloneFixture } from '../helpers/fixture.js';
import { freshRoot, ok, startDaemon } from '../helpers/cli.js';
import { waitFor } from '../helpers/zk-server.js';

const fixture = standaloneFixture();
const root = freshRoot();
const conn = () => ['--zk', fixture.zk().connectString, '--root', root];
const MIB = 2 ** 20;

/** A directory holding an nvidia-smi that answers the query with the lines in `answer` (a file the test may rewrite). */
function fakeNvidiaSmi(lines: string): { dir: string; answer: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zkjobs-fake-gpu-'));
  const answer = path.join(dir, 'answer.csv');
  writeFileSync(answer, lines);
  const script = path.join(dir, 'nvidia-smi');
  // Only the query zkjobs makes gets an answer: anything else is a failure, as a real tool's would be.
  writeFileSync(script, `#!/bin/sh\ncase "$*" in\n  *--query-gpu=name,memory.total,memory.used,utilization.gpu*--format=csv,noheader,nounits*) cat '${answer}' ;;\n  *) echo "unexpected arguments: $*" >&2; exit 2 ;;\nesac\n`);
  chmodSync(script, 0o755);
  return { dir, answer };
}

async function nodes(): Promise<Map<string, { id: string; record: Record<string, unknown> }>> {
  const lines = (await ok('zkjobq', ['nodes', ...conn(), '--json'])).trim().split('\n').filter(Boolean);
  return new Map(lines.map((l) => JSON.parse(l)).map((n) => [n.id, n]));
}

test('a fake nvidia-smi shows as GPUs in the node record and in zkjobq nodes', async () => {
  const fake = fakeNvidiaSmi('NVIDIA A100-SXM4-80GB, 81920, 1024, 3\nNVIDIA A100-SXM4-80GB, 81920, [N/A], [Not Supported]\n');
  fixture.daemons.push(await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'gpu', env: { PATH: `${fake.dir}:${process.env.PATH}` } }));
  const gpu = (await nodes()).get('gpu')!.record;
  assert.deepEqual(gpu.gpus, [
    { name: 'NVIDIA A100-SXM4-80GB', memTotal: 81920 * MIB, memUsed: 1024 * MIB, utilization: 3 },
    { name: 'NVIDIA A100-SXM4-80GB', memTotal: 81920 * MIB, memUsed: 0, utilization: null },
  ]);
  assert.equal(gpu.cpus, os.cpus().length);
  assert.equal(gpu.kernel, os.release());
  assert.equal(gpu.arch, os.arch());
  assert.ok((gpu.diskTotal as number) > 0 && (gpu.diskFree as number) <= (gpu.diskTotal as number), 'the spool disk is measured');
  assert.ok(typeof gpu.cpuModel === 'string' && typeof gpu.os === 'string' && (gpu.hostUptime as number) > 0);
  const table = (await ok('zkjobq', ['nodes', ...conn()])).trim().split('\n');
  const header = table[0].split(/\s+/);
  const row = table.find((l) => l.startsWith('gpu '))!.split(/\s+/);
  // LOAD holds three numbers: count columns from the end.
  assert.equal(row[row.length - (header.length - header.indexOf('GPUS'))], '2xNVIDIA-A100-SXM4-80GB');

  // The GPUs get busy: the record follows within a few samples.
  writeFileSync(fake.answer, 'NVIDIA A100-SXM4-80GB, 81920, 70000, 97\nNVIDIA A100-SXM4-80GB, 81920, 60000, 88\n');
  await waitFor('the busy GPUs to reach the record', async () => {
    const gpus = (await nodes()).get('gpu')!.record.gpus as { memUsed: number; utilization: number }[];
    return gpus[0].utilization === 97 && gpus[1].memUsed === 60000 * MIB;
  }, 30_000, 500);
});

test('a node without nvidia-smi has no GPU fields and shows "-"', { skip: spawnSync('sh', ['-c', 'command -v nvidia-smi']).status === 0 && 'this machine has a real nvidia-smi' }, async () => {
  fixture.daemons.push(await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'plain' }));
  const plain = (await nodes()).get('plain')!.record;
  assert.equal(plain.gpus, undefined);
  assert.equal(plain.cpus, os.cpus().length);
  const table = (await ok('zkjobq', ['nodes', ...conn()])).trim().split('\n');
  const header = table[0].split(/\s+/);
  const row = table.find((l) => l.startsWith('plain '))!.split(/\s+/);
  assert.equal(row[row.length - (header.length - header.indexOf('GPUS'))], '-');
});

test('an idle node refreshes its record when its hardware changes (free disk of its spool directory)', async (t) => {
  // A small tmpfs of our own as the spool directory: filling it changes
  // free disk by far more than the 2% the record waits for, on any host.
  const spool = mkdtempSync(path.join(os.tmpdir(), 'zkjobs-tmpfs-spool-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', spool]);
  if (mounted.status !== 0) return t.skip(`cannot mount a tmpfs: ${mounted.stderr}`);
  t.after(() => spawnSync('umount', ['-l', spool]));
  const daemon = await startDaemon({
    zk: fixture.zk().connectString, root, nodeId: 'idle',
    raw: ['--zk', fixture.zk().connectString, '--root', root, '--node-id', 'idle', '--queue', 'default', '--spool-dir', spool, '--run-as', 'root', '--session-timeout', '4s'],
  });
  fixture.daemons.push(daemon);
  const diskFree = async () => (await nodes()).get('idle')?.record.diskFree as number | undefined;
  const before = await diskFree();
  assert.ok(before !== undefined && before > 40 * MIB && before <= 64 * MIB, `free disk of the tmpfs spool: ${before}`);
  writeFileSync(path.join(spool, 'ballast'), Buffer.alloc(24 * MIB, 1));
  // No job runs: only the hardware monitor (a sample every 5 s) can rewrite the record.
  await waitFor('the idle node record shows the filled spool', async () => ((await diskFree()) ?? Infinity) <= before - 20 * MIB, 30_000);
  assert.doesNotMatch(daemon.log, /started job/);
});
