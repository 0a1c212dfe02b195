// Which daemons a client believes: the authorized_daemons file, one line
// per node key, as authorized_submitters has one per submitter key:
//
//   NODE zkjobs-ed25519 BASE64 [comment]
//
// (the line `zkjobd --print-node-key` prints). When the file exists, a
// result counts only if the node key of the node it names signed it, over
// this job's id and every field: anything else in a result znode was
// written by someone who may write to ZooKeeper but holds no node key, and
// clients show it as `forged?`, never as what it claims.
//
// One kind of result is written by a client, not a daemon: the cancellation
// of a job that had not started (cancel.ts). It is accepted unsigned by a
// daemon only in exactly that shape (cancelled, nothing ran, no exit code,
// no output), because a submitter may cancel any pending job of a queue it
// may write anyway, and that shape can never read as a success.
//
// The same file decides whether a node record is the node's own: its
// output address is where `zkjobc output` sends the daemons' token, so a
// record rewritten by anyone else must not be followed (nodeRecordDistrust).
import { existsSync, readFileSync } from 'node:fs';
import { DataError } from './errors.js';
import type { JobId } from './job-id.js';
import { decodeJsonObject } from './record.js';
import { parseKeyLines, signatureField, verifyFields } from './signature.js';
import type { JobResult } from './result.js';

export const DEFAULT_AUTHORIZED_DAEMONS = '/etc/zkjobs/authorized_daemons';
const MAX_RESULT_BYTES = 900 * 1024;

export interface AuthorizedDaemons {
  file: string;
  /** Base64 public key → node id. */
  nodes: Map<string, string>;
}

export function parseAuthorizedDaemons(text: string, file: string): AuthorizedDaemons {
  return { file, nodes: parseKeyLines(text, file, 'NODE') };
}

let cached: { file: string; trust: AuthorizedDaemons | null } | undefined;

/**
 * The clients' trust file: $ZKJOBS_AUTHORIZED_DAEMONS (which must exist;
 * 'none' turns the check off), else /etc/zkjobs/authorized_daemons when it
 * exists; null when there is none, and then results are shown as they say.
 */
export function clientTrust(env = process.env): AuthorizedDaemons | null {
  const named = env.ZKJOBS_AUTHORIZED_DAEMONS || undefined;
  if (named === 'none') return null;
  const file = named ?? DEFAULT_AUTHORIZED_DAEMONS;
  if (cached?.file === file) return cached.trust;
  let trust: AuthorizedDaemons | null = null;
  if (named !== undefined || existsSync(file)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new DataError(`cannot read ${file}: ${(err as Error).message}`);
    }
    trust = parseAuthorizedDaemons(text, file);
  }
  cached = { file, trust };
  return trust;
}

/** Why a result's bytes are not to be believed, or null when they are (or when there is no trust file). */
export function distrustOf(data: Buffer, id: JobId, result: JobResult, trust: AuthorizedDaemons | null): string | null {
  if (!trust) return null;
  const fields = decodeJsonObject(data, 'job result', MAX_RESULT_BYTES);
  const signature = signatureField(fields, 'job result');
  if (!signature) return isClientCancel(result) ? null : `not signed by a daemon (${trust.file} lists the keys believed)`;
  const node = trust.nodes.get(signature.key);
  if (node === undefined) return isClientCancel(result) ? null : `signed by key ${signature.key.slice(0, 12)}…, which is not in ${trust.file}`;
  if (!verifyFields('result', id, fields, signature)) return `the signature of ${node}'s key does not match this result (altered, or copied from another job)`;
  if (node !== result.node) return `signed by ${node}'s key but names node ${result.node}`;
  return null;
}

/**
 * Why the node record of `nodeId` is not to be followed, or null when it
 * is: signed by the key that `trust` lists for that very node, over its
 * id and every field. Without a trust file a record cannot be checked:
 * followed only when nothing secret goes with the request (`withToken`).
 */
export function nodeRecordDistrust(data: Buffer, nodeId: string, trust: AuthorizedDaemons | null, withToken: boolean): string | null {
  if (!trust) return withToken ? `its record cannot be verified without an authorized_daemons file (${DEFAULT_AUTHORIZED_DAEMONS} or ZKJOBS_AUTHORIZED_DAEMONS), and the token goes only to a verified node` : null;
  const fields = decodeJsonObject(data, 'node record', 256 * 1024);
  const signature = signatureField(fields, 'node record');
  if (!signature) return `its record is not signed by a node key (${trust.file} lists the keys believed)`;
  const signer = trust.nodes.get(signature.key);
  if (signer === undefined) return `its record is signed by key ${signature.key.slice(0, 12)}…, which is not in ${trust.file}`;
  if (signer !== nodeId) return `its record is signed by ${signer}'s key, not ${nodeId}'s`;
  if (!verifyFields('node', nodeId, fields, signature)) return `the signature of ${nodeId}'s key does not match its record (altered, or copied from an older record)`;
  return null;
}

/** What cancel.ts writes for a job that never started: the one result a client writes. */
function isClientCancel(r: JobResult): boolean {
  return r.state === 'cancelled' && r.attempt === 0 && r.exitCode === null && r.signal === null && r.startedAt === null
    && r.stdoutTail === '' && r.stderrTail === '' && r.node.startsWith('zkjobc@');
}
