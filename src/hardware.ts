// What a node has: CPUs, memory, the disk of its spool directory, GPUs when
// `nvidia-smi` is there, and what it runs on. Sampled by the daemon every
// few seconds for its node record (see daemon/hardware-monitor.ts).
//
// A missing or broken tool is not an error: its fields are left out. GPUs
// come from `nvidia-smi --query-gpu=… --format=csv` (no GPU library), run
// with a short timeout so that a hung driver cannot stall the daemon.
import os from 'node:os';
import { statfsSync } from 'node:fs';
import { execFile } from 'node:child_process';

export interface Gpu {
  name: string;
  /** Bytes. */
  memTotal: number;
  memUsed: number;
  /** Percent busy, or null when the driver does not say. */
  utilization: number | null;
}

export interface Hardware {
  cpus: number;
  cpuModel: string;
  load: number[];
  memFree: number;
  memTotal: number;
  /** Of the filesystem holding the spool directory; absent when it cannot be read. */
  diskFree?: number;
  diskTotal?: number;
  /** Absent without nvidia-smi; an empty list when it finds no GPU. */
  gpus?: Gpu[];
  os: string;
  kernel: string;
  arch: string;
  /** Seconds since the host booted. */
  hostUptime: number;
}

export const GPU_QUERY = ['--query-gpu=name,memory.total,memory.used,utilization.gpu', '--format=csv,noheader,nounits'];
const NVIDIA_SMI_TIMEOUT_MS = 3_000;
const MIB = 2 ** 20;

/** Parse `nvidia-smi --query-gpu=name,memory.total,memory.used,utilization.gpu --format=csv,noheader,nounits`. */
export function parseNvidiaSmi(text: string): Gpu[] {
  const gpus: Gpu[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    // A GPU name has no comma in practice; split from the right to be safe.
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length < 4) continue;
    const [util, used, total] = [cells.pop()!, cells.pop()!, cells.pop()!].map(number);
    const name = cells.join(',');
    if (!name || total === null) continue;
    gpus.push({ name, memTotal: total * MIB, memUsed: (used ?? 0) * MIB, utilization: util });
  }
  return gpus;
}

/** "40960" → 40960; "[N/A]", "[Not Supported]", "" → null. */
function number(cell: string): number | null {
  return /^\d+(\.\d+)?$/.test(cell) ? Number(cell) : null;
}

/** The GPUs nvidia-smi reports, or undefined when it is missing or fails. */
export function queryGpus(): Promise<Gpu[] | undefined> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', GPU_QUERY, { timeout: NVIDIA_SMI_TIMEOUT_MS, encoding: 'utf8', maxBuffer: 1 << 20 }, (err, stdout) => {
      resolve(err ? undefined : parseNvidiaSmi(stdout));
    });
  });
}

function disk(dir: string): { diskFree?: number; diskTotal?: number } {
  try {
    const s = statfsSync(dir);
    return { diskFree: s.bavail * s.bsize, diskTotal: s.blocks * s.bsize };
  } catch {
    return {};
  }
}

/** One sample of this host; `dir` is the spool directory whose disk is reported. */
export async function sampleHardware(dir: string): Promise<Hardware> {
  const cpus = os.cpus();
  const gpus = await queryGpus();
  return {
    cpus: cpus.length || os.availableParallelism(),
    cpuModel: cpus[0]?.model.trim() ?? '',
    load: os.loadavg().map((l) => Math.round(l * 100) / 100),
    memFree: os.freemem(),
    memTotal: os.totalmem(),
    ...disk(dir),
    ...(gpus ? { gpus } : {}),
    os: osName(),
    kernel: os.release(),
    arch: os.arch(),
    hostUptime: Math.round(os.uptime()),
  };
}

function osName(): string {
  try {
    return os.version() || os.type();
  } catch {
    return os.type();
  }
}

/**
 * Whether `next` differs from what was published enough to be worth a
 * ZooKeeper write: load by a quarter, memory or disk by 2% of the total,
 * a GPU's memory by 5% or its use by 10 points, or anything that is not
 * a gauge. Small drift is not news; every daemon writing it every few
 * seconds would be load on the ensemble for nothing.
 */
export function changedEnough(published: Hardware | null, next: Hardware): boolean {
  if (!published) return true;
  const near = (a: number | undefined, b: number | undefined, tolerance: number) => a === b || (a !== undefined && b !== undefined && Math.abs(a - b) < tolerance);
  if (!near(published.load[0], next.load[0], 0.25)) return true;
  if (!near(published.memFree, next.memFree, next.memTotal * 0.02)) return true;
  if (!near(published.diskFree, next.diskFree, (next.diskTotal ?? 0) * 0.02)) return true;
  if (published.cpus !== next.cpus || published.kernel !== next.kernel || (published.gpus?.length ?? -1) !== (next.gpus?.length ?? -1)) return true;
  return (next.gpus ?? []).some((g, i) => {
    const p = published.gpus![i];
    return p.name !== g.name || !near(p.memUsed, g.memUsed, g.memTotal * 0.05) || !near(p.utilization ?? -100, g.utilization ?? -100, 10);
  });
}
