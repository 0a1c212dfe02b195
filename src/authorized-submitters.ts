// Which keys may have jobs run on this node, and as whom: the daemon's
// authorized_submitters file, like ssh's authorized_keys. One line per key:
//
//   USER zkjobs-ed25519 BASE64 [comment]
//
// A spec signed by a listed key runs as USER (see daemon/run-as.ts); a spec
// that is unsigned, signed by another key, altered after signing, or copied
// into another job id is refused. The file is local to each node, so what
// is in ZooKeeper cannot add a submitter.
import { readFileSync } from 'node:fs';
import { DataError } from './errors.js';
import type { JobId } from './job-id.js';
import { parseKeyLines, signatureField, verifyFields } from './signature.js';
import { decodeSpecZnode } from './job-spec.js';

export const DEFAULT_AUTHORIZED_SUBMITTERS = '/etc/zkjobs/authorized_submitters';

export interface AuthorizedSubmitters {
  file: string;
  /** Base64 public key → local user name. */
  users: Map<string, string>;
}

export function loadAuthorizedSubmitters(file: string): AuthorizedSubmitters {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new DataError(`cannot read ${file}: ${(err as Error).message}`);
  }
  return parseAuthorizedSubmitters(text, file);
}

export function parseAuthorizedSubmitters(text: string, file: string): AuthorizedSubmitters {
  const account = (user: string) => (/^[a-z_][a-z0-9_-]*\$?$/i.test(user) ? null : `'${user}' is not an account name`);
  return { file, users: parseKeyLines(text, file, 'USER', account) };
}

/**
 * The local user a claimed spec's signature maps to, or why it is refused.
 * Checked on the spec's own bytes, as they are in ZooKeeper.
 */
export function verifySubmitter(specData: Buffer, id: JobId, authorized: AuthorizedSubmitters): { user: string } | { refused: string } {
  const refused = (why: string) => ({ refused: `not signed by an authorized submitter: ${why}` });
  let fields;
  try {
    fields = decodeSpecZnode(specData);
  } catch (err) {
    return refused((err as Error).message);
  }
  let signature;
  try {
    signature = signatureField(fields, 'job spec');
  } catch (err) {
    return refused((err as Error).message);
  }
  if (!signature) return refused('the spec is not signed');
  const user = authorized.users.get(signature.key);
  if (user === undefined) return refused(`key ${signature.key.slice(0, 12)}… is not in ${authorized.file}`);
  if (!verifyFields('spec', id, fields, signature)) return refused('the signature does not match this job (altered, or copied from another job)');
  return { user };
}
