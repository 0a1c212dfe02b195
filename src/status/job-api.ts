// The job view of the status page: one job's spec, attempts, claim and
// result (GET /api/jobs/QUEUE/SEQ), and its output followed live from the
// node that runs it (GET /api/jobs/QUEUE/SEQ/stdout|stderr), through that
// node's output endpoint (daemon/http-endpoint.ts). When that node cannot
// be reached, a finished job's output is the tail kept in its result.
import type http from 'node:http';
import type { ZkClient } from '../zk/client.js';
import type { Paths } from '../zk/paths.js';
import { checkQueueName, parseSeq, type JobId } from '../job-id.js';
import { jobStatus } from '../status.js';
import { retry } from '../zk/retry.js';
import { endpointOf, fetchOutput, type OutputStream } from '../job-output.js';
import { describeCommand } from '../job-spec.js';

export interface JobApiContext {
  zk: () => ZkClient;
  paths: Paths;
  /** The output endpoints' token, if they need one. */
  outputToken: string | null;
}

/** QUEUE/SEQ[/stdout|/stderr] of an /api/jobs/ path, or null when it is not one. */
export function parseJobPath(rest: string): { id: JobId; stream: OutputStream | null } | null {
  const match = /^([^/]+)\/(\d{1,10})(?:\/(stdout|stderr))?$/.exec(rest);
  const seq = match ? parseSeq(match[2]) : null;
  if (!match || seq === null) return null;
  try {
    return { id: { queue: checkQueueName(match[1]), seq }, stream: (match[3] as OutputStream | undefined) ?? null };
  } catch {
    return null;
  }
}

export async function sendJob(ctx: JobApiContext, id: JobId, res: http.ServerResponse): Promise<void> {
  const status = await retry(() => jobStatus(ctx.zk(), ctx.paths, id));
  if (!status) return json(res, 404, { error: 'no such job' });
  const spec = status.spec;
  json(res, 200, { ...status, command: spec ? describeCommand(spec) : null, createdAt: status.createdAt?.toISOString() ?? null });
}

/** The job's output as plain text, followed while it runs. */
export async function sendOutput(ctx: JobApiContext, id: JobId, stream: OutputStream, res: http.ServerResponse): Promise<void> {
  const status = await retry(() => jobStatus(ctx.zk(), ctx.paths, id));
  if (!status) return json(res, 404, { error: 'no such job' });
  if (status.state === 'pending' || !status.node) return text(res, 200, '');
  try {
    const body = await fetchOutput(await endpointOf(ctx.zk(), ctx.paths, status.node, ctx.outputToken), id, stream, status.state === 'running', ctx.outputToken);
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.on('close', () => body.destroy());
    body.pipe(res);
  } catch (err) {
    const tail = status.result ? (stream === 'stderr' ? status.result.stderrTail : status.result.stdoutTail) : '';
    text(res, 200, tail, `${(err as Error).message}; showing the tail kept with the result`);
  }
}

export function json(res: http.ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function text(res: http.ServerResponse, code: number, body: string, note?: string): void {
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...(note ? { 'x-zkjobs-note': note.replace(/[^\x20-\x7e]/g, '?') } : {}) });
  res.end(body);
}
