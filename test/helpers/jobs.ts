// Bulk job helpers for tests: submit record-run jobs in one batch and wait
// for their results, reading ZooKeeper through the project's own library.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIXTURES, ok } from './cli.js';
import { waitFor } from './zk-server.js';
import { connectTo } from './zk.js';
import { listJobs } from '../../src/job-list.js';
import type { JobStatus } from '../../src/status.js';

/** A fresh file for record-run.sh to append its start/end lines to. */
export function recordFile(tag = 'runs'): string {
  return path.join(mkdtempSync(path.join(os.tmpdir(), `zkjobs-${tag}-`)), 'runs');
}

/** Submit `count` record-run jobs (each sleeping `sleep` seconds) in one batch; their ids in order. */
export async function submitRecorded(zk: string, root: string, record: string, count: number, sleep: string, queue = 'default'): Promise<string[]> {
  const line = JSON.stringify([path.join(FIXTURES, 'record-run.sh'), record, sleep]);
  const input = Array.from({ length: count }, () => line).join('\n');
  return (await ok('zkjobc', ['submit', '--zk', zk, '--root', root, '-q', queue, '--batch', '-'], { input, timeoutMs: 120_000 })).trim().split('\n');
}

/** Every job of a queue, finished or not. */
export async function allJobs(zk: string, root: string, queue = 'default'): Promise<JobStatus[]> {
  const { zk: client, paths } = await connectTo(zk, root);
  try {
    return await listJobs(client, paths, queue, { unfinished: true, finished: true, limit: 1_000_000 });
  } finally {
    client.close();
  }
}

/** Wait until every job of the queue has a result; returns them all. */
export async function waitAllFinished(zk: string, root: string, count: number, timeoutMs: number, queue = 'default'): Promise<JobStatus[]> {
  let last: JobStatus[] = [];
  try {
    return await waitFor(`${count} results`, async () => {
      last = await allJobs(zk, root, queue).catch(() => last);
      return last.length === count && last.every((j) => j.result) && last;
    }, timeoutMs, 500);
  } catch (err) {
    const unfinished = last.filter((j) => !j.result).map((j) => `${j.id}:${j.state}:${j.node ?? ''}`);
    throw new Error(`${(err as Error).message}; ${last.length} jobs, unfinished: ${unfinished.slice(0, 20).join(' ')}`);
  }
}
