// Fetching a job's full output from the daemon that runs or ran it: the
// claim (running) or the result (finished) names the node, the node record
// names its output endpoint. The record is followed only once it is shown
// to be the node's own (signed by its key in authorized_daemons): a record
// rewritten by someone else would send the token, and the request, to an
// address of theirs. Nothing is sent to an address that is not verified.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Paths } from './zk/paths.js';
import type { ZkClient } from './zk/client.js';
import { retry } from './zk/retry.js';
import { formatJobId, formatSeq, type JobId } from './job-id.js';
import { jobStatus, type JobStatus } from './status.js';
import { parseNodeRecord } from './node-record.js';
import { withReason } from './queue-situation.js';
import { clientTrust, nodeRecordDistrust } from './authorized-daemons.js';
import { DataError, NotAuthorizedError, NotFoundError, UnavailableError, ZkjobsError } from './errors.js';

export type OutputStream = 'stdout' | 'stderr';

/** The token the output endpoint wants: from --http-token-file when given, else ZKJOBS_HTTP_TOKEN; null for none. */
export function outputToken(file: string | undefined, env = process.env): string | null {
  if (!file) return env.ZKJOBS_HTTP_TOKEN ?? null;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new DataError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

export async function requireStatus(zk: ZkClient, paths: Paths, id: JobId): Promise<JobStatus> {
  const status = await withReason(zk, paths, await jobStatus(zk, paths, id));
  if (!status) throw new NotFoundError(`no such job ${formatJobId(id)}`);
  return status;
}

/**
 * host:port of the node's output endpoint; UnavailableError when it cannot
 * be reached, NotAuthorizedError (77) when its record is not shown to be
 * the node's own (nodeRecordDistrust) and so must not be followed.
 */
export async function endpointOf(zk: ZkClient, paths: Paths, node: string, token: string | null, trust = clientTrust()): Promise<string> {
  const record = await retry(() => zk.getOrNull(paths.node(node)));
  if (!record) throw new UnavailableError(`node ${node} is not running, so its spooled output cannot be read`);
  const address = parseNodeRecord(record.data).http;
  if (!address) throw new UnavailableError(`node ${node} serves no output endpoint (zkjobd --http-bind none)`);
  const distrust = nodeRecordDistrust(record.data, node, trust, token !== null);
  if (distrust) throw new NotAuthorizedError(`not asking node ${node} at ${address} for output: ${distrust}`);
  return address;
}

/** The output, as the node sends it; `signal` gives up the request, even before the node has answered (a follow answers with the job's first byte). */
export function fetchOutput(address: string, id: JobId, stream: OutputStream, follow: boolean, token: string | null, signal?: AbortSignal): Promise<Readable> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  const path = `/jobs/${id.queue}/${formatSeq(id.seq)}/${stream}${follow ? '?follow=1' : ''}`;
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path, signal, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      if (res.statusCode === 200) return resolve(res);
      res.resume();
      if (res.statusCode === 401) reject(new NotAuthorizedError(`node at ${address} refused the output request: wrong or missing token (ZKJOBS_HTTP_TOKEN)`));
      else reject(new ZkjobsError(`node at ${address} answered ${res.statusCode}`));
    });
    req.on('error', (err) => reject(new UnavailableError(`cannot reach the output endpoint ${address}: ${err.message}`)));
  });
}
