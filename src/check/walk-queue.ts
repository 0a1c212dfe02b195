// Check one queue: its config and fixed children, then its jobs, claims,
// cancel requests and run slots, and last its counter: read after the
// walk, so that every job seen was created before that read and so must be
// at or below it (a submit reserves its number before it creates the
// spec). Findings go to ctx.findings.
import { retry } from '../zk/retry.js';
import { parseQueueConfig, type QueueConfig } from '../queue.js';
import { decodeJsonObject } from '../record.js';
import { DataError } from '../errors.js';
import { walkJobs } from './walk-jobs.js';
import { walkCancels, walkClaims } from './walk-claims.js';
import { walkSlots } from './walk-slots.js';
import { judgeCounter } from './counter.js';
import { listFlat } from './walk-claims.js';
import { MAX_SEQ } from './names.js';
import { rel, type QueueContext } from './context.js';
import type { Finding } from './finding.js';

/** What a queue znode holds; anything else is left alone (a newer zkjobs may have put it there). */
const QUEUE_CHILDREN = ['seq', 'pending', 'claims', 'results', 'cancels', 'slots', 'access'];

export async function walkQueue(ctx: QueueContext): Promise<void> {
  const { zk, paths, queue } = ctx;
  const config = await retry(() => zk.getOrNull(paths.queue(queue)));
  if (!config) return;
  ctx.limit = readLimit(ctx, config.data);
  for (const parent of [paths.pending(queue), paths.claims(queue), paths.results(queue), paths.cancels(queue)]) {
    if (!(await retry(() => zk.exists(parent)))) ctx.findings.push(missingParent(ctx, parent));
  }
  for (const name of await listFlat(ctx, paths.queue(queue))) {
    if (!QUEUE_CHILDREN.includes(name)) ctx.findings.push(unknownChild(ctx, `${paths.queue(queue)}/${name}`));
  }
  await walkJobs(ctx);
  await walkClaims(ctx);
  await walkCancels(ctx);
  await walkSlots(ctx);
  await checkCounter(ctx);
}

function readLimit(ctx: QueueContext, data: Buffer): number | null | 'unknown' {
  try {
    return strictConfig(data).maxRunning;
  } catch (err) {
    ctx.findings.push({
      queue: ctx.queue, kind: 'config-unparseable', znode: '', job: null,
      problem: `unreadable queue config: ${(err as Error).message}`,
      repair: 'rewrite it keeping what can be read; anything unreadable becomes the safe value (paused; no limit)',
      fix: { op: 'rewrite-config' },
    });
    return 'unknown';
  }
}

/** The config as the daemons read it, and "paused" a boolean: "yes" or 1 read as unpaused is what someone did not mean. */
export function strictConfig(data: Buffer): QueueConfig {
  const config = parseQueueConfig(data);
  if (data.length > 0) {
    const paused = decodeJsonObject(data, 'queue config', 64 * 1024).paused;
    if (paused !== undefined && typeof paused !== 'boolean') throw new DataError(`queue config: "paused" must be true or false, got ${JSON.stringify(paused)}`);
  }
  return config;
}

function missingParent(ctx: QueueContext, path: string): Finding {
  return {
    queue: ctx.queue, kind: 'parent-missing', znode: rel(ctx, path), job: null,
    problem: 'a znode every queue has is missing: jobs cannot be submitted or claimed',
    repair: "create it (with the queue's ACL)", fix: { op: 'create-parent', path },
  };
}

function unknownChild(ctx: QueueContext, path: string): Finding {
  return {
    queue: ctx.queue, kind: 'bad-name', znode: rel(ctx, path), job: null,
    problem: 'the queue holds a znode zkjobs does not know',
    repair: 'none: left alone (it may belong to a newer zkjobs); remove it by hand if it is junk', fix: null,
  };
}

async function checkCounter(ctx: QueueContext): Promise<void> {
  const path = ctx.paths.counter(ctx.queue);
  const counter = await retry(() => ctx.zk.getOrNull(path));
  const base = { queue: ctx.queue, znode: rel(ctx, path), job: null };
  if (!counter) {
    ctx.findings.push({
      ...base, kind: 'queue-incomplete', znode: '',
      problem: 'the queue has no sequence counter (created or deleted half-way): submits are refused',
      repair: `none: finish it with 'zkjobq create ${ctx.queue}' or 'zkjobq delete ${ctx.queue}'`, fix: null,
    });
    return;
  }
  const verdict = judgeCounter(counter.data.toString('latin1'), ctx.highest, MAX_SEQ);
  const to = ctx.highest;
  if (verdict.kind === 'unparseable') {
    ctx.findings.push({ ...base, kind: 'counter-unparseable', problem: `unreadable sequence counter ${JSON.stringify(verdict.text)}: every submit fails`, repair: `set it to the highest job found (${to})`, fix: { op: 'set-counter', to, lower: false } });
  } else if (verdict.kind === 'behind') {
    ctx.findings.push({ ...base, kind: 'counter-behind', problem: `the counter (${verdict.counter}) is behind the highest job (${verdict.highest}): the next submits get numbers already taken`, repair: `raise it to ${to}`, fix: { op: 'set-counter', to, lower: false } });
  } else if (verdict.kind === 'ahead') {
    ctx.findings.push({ ...base, kind: 'counter-ahead', problem: `the counter (${verdict.counter}) is far ahead of the highest job (${verdict.highest}): the queue runs out of numbers`, repair: `lower it to ${to} once it has not changed for the --counter-quiet time`, fix: { op: 'set-counter', to, lower: true } });
  }
}
