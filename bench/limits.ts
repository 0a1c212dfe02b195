// The machine's own limits, measured in the same run as everything else so
// that the end-to-end figures can be read as fractions of them.
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { median, repeat, report, RUNS } from './lib.js';

const exec = promisify(execFile);
const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Pipelined creates per second from `clients` processes at once. */
async function rawWrites(connect: string, clients: number, perClient: number, tag: string): Promise<number> {
  const writer = path.join(HERE, 'zk-writer.js');
  const runs = await Promise.all(Array.from({ length: clients }, (_, i) => exec(process.execPath, [writer, connect, `/bench-raw/${tag}-${i}`, String(perClient)])));
  const slowest = Math.max(...runs.map((r) => Number(r.stdout)));
  return (clients * perClient) / (slowest / 1000);
}

/** Trivial processes spawned and reaped per second, `concurrency` at a time, plain or through execa. */
export async function spawnRate(count: number, concurrency: number, viaExeca: boolean): Promise<number> {
  const started = performance.now();
  let next = 0;
  const once = viaExeca
    ? () => execa('/bin/true', [], { reject: false, stdin: 'ignore', buffer: false, detached: true, cleanup: false })
    : () => new Promise((resolve) => spawn('/bin/true', [], { stdio: 'ignore', detached: true }).on('exit', resolve));
  const worker = async () => {
    while (next++ < count) await once();
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return count / ((performance.now() - started) / 1000);
}

export interface Limits {
  writes1: number;
  writes4: number;
  spawns: number;
}

export async function measureLimits(connect: string): Promise<Limits> {
  const writes1 = median(await repeat(RUNS, (r) => rawWrites(connect, 1, 20_000, `one-${r}`)));
  report('raw ZooKeeper writes/s, 1 client (pipelined creates)', writes1.toFixed(0));
  const writes4 = median(await repeat(RUNS, (r) => rawWrites(connect, 4, 10_000, `four-${r}`)));
  report('raw ZooKeeper writes/s, 4 clients', writes4.toFixed(0));
  const raw = median(await repeat(RUNS, () => spawnRate(2_000, 8, false)));
  report('Node spawn+reap of /bin/true per s (child_process, 8 at once)', raw.toFixed(0));
  const spawns = median(await repeat(RUNS, () => spawnRate(2_000, 8, true)));
  report('Node spawn+reap of /bin/true per s (execa, as the daemon runs jobs)', spawns.toFixed(0));
  return { writes1, writes4, spawns: raw };
}
