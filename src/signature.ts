// Signed records: who submitted a job, proven by the job itself rather than
// by ZooKeeper's ACLs (two submitters of one queue may write the same
// znodes). A record is signed with Ed25519 over a canonical form of its
// fields (keys sorted, no whitespace) together with the job id it belongs
// to, so a signed spec copied into another job number, another queue, or
// edited by one byte no longer verifies. The signature travels inside the
// record as `signature: { key, nonce, value }`; `key` names the public key,
// which is only trusted if a local file (authorized_submitters) lists it.
// Node records are signed the same way by their daemon's node key, over
// the node id instead of a job id (node-record-signature.ts).
import { createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { DataError } from './errors.js';
import { formatJobId, type JobId } from './job-id.js';
import type { Fields } from './record.js';

/** How a public key is written in files and records: `zkjobs-ed25519 BASE64`. */
export const KEY_TYPE = 'zkjobs-ed25519';

export interface Signature {
  /** The signer's public key, base64 of its 32 raw bytes. */
  key: string;
  /** Random, so that two identical submissions never carry the same signature. */
  nonce: string;
  /** Base64 Ed25519 signature of signedMessage(). */
  value: string;
}

export type SignedKind = 'spec' | 'result' | 'node';

/**
 * What is signed: the kind of record, whose it is (a job id, or a node id
 * for a node record), and its other fields in canonical form. A spec's
 * `runs` is left out: daemons add each attempt to it after the submitter
 * signed (attempt-history.ts), and it decides nothing about what runs or
 * as whom.
 */
export function signedMessage(kind: SignedKind, subject: JobId | string, fields: Fields, nonce: string): Buffer {
  const { signature: _omitted, ...rest } = fields;
  if (kind === 'spec') delete rest.runs;
  const whose = typeof subject === 'string' ? subject : formatJobId(subject);
  return Buffer.from(`zkjobs-${kind}-v1\n${whose}\n${nonce}\n${canonicalJson(rest)}`, 'utf8');
}

/** JSON with object keys sorted at every level: the same fields always give the same bytes. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Fields).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function signFields(kind: SignedKind, id: JobId | string, fields: Fields, privateKey: KeyObject): Signature {
  const nonce = randomBytes(12).toString('base64');
  const value = sign(null, signedMessage(kind, id, fields, nonce), privateKey).toString('base64');
  return { key: publicKeyOf(privateKey), nonce, value };
}

/** True when `signature` is a valid signature by its own key over these fields of this job. */
export function verifyFields(kind: SignedKind, id: JobId | string, fields: Fields, signature: Signature): boolean {
  try {
    return verify(null, signedMessage(kind, id, fields, signature.nonce), publicKeyFromRaw(signature.key), Buffer.from(signature.value, 'base64'));
  } catch {
    return false; // a malformed key or signature is simply not valid
  }
}

/** The `signature` field of a record, checked for shape; undefined when absent. */
export function signatureField(fields: Fields, what: string): Signature | undefined {
  const s = fields.signature;
  if (s === undefined) return undefined;
  if (typeof s !== 'object' || s === null || Array.isArray(s)) throw new DataError(`${what}: "signature" must be an object`);
  const { key, nonce, value, ...extra } = s as Fields;
  if (typeof key !== 'string' || typeof nonce !== 'string' || typeof value !== 'string' || Object.keys(extra).length > 0) {
    throw new DataError(`${what}: "signature" must hold the strings key, nonce and value only`);
  }
  return { key, nonce, value };
}

/** Base64 of the 32 raw bytes of an Ed25519 public key (from a private or public key). */
export function publicKeyOf(key: KeyObject): string {
  let known = publicKeys.get(key);
  if (known === undefined) {
    const pub = key.type === 'private' ? createPublicKey(key) : key;
    const der = pub.export({ type: 'spki', format: 'der' });
    known = der.subarray(der.length - 32).toString('base64');
    publicKeys.set(key, known);
  }
  return known;
}

/** Deriving and exporting the public key took a tenth of a millisecond, once per signature: a daemon signs each result with one key. */
const publicKeys = new WeakMap<KeyObject, string>();

/** SPKI prefix of an Ed25519 public key: the raw 32 bytes follow it (made on first use, not at every CLI start). */
let ed25519SpkiPrefix: Buffer | undefined;

export function publicKeyFromRaw(base64: string): KeyObject {
  const raw = Buffer.from(base64, 'base64');
  if (raw.length !== 32) throw new DataError('an Ed25519 public key is 32 bytes');
  return createPublicKey({ key: Buffer.concat([(ed25519SpkiPrefix ??= Buffer.from('302a300506032b6570032100', 'hex')), raw]), format: 'der', type: 'spki' });
}

export function privateKeyFromPem(pem: string, file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new DataError(`${file} is not a private key: ${(err as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new DataError(`${file} is not an Ed25519 key`);
  return key;
}

/**
 * The lines of a trusted-keys file (authorized_submitters, authorized_daemons):
 * `NAME zkjobs-ed25519 BASE64 [comment]`, blank lines and # comments skipped.
 * Returns base64 key → NAME; a bad line is a DataError naming file:line.
 */
export function parseKeyLines(text: string, file: string, label: string, checkName: (name: string) => string | null = () => null): Map<string, string> {
  const names = new Map<string, string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const [name, type, key] = line.split(/\s+/);
    const where = `${file}:${i + 1}`;
    if (!key || type !== KEY_TYPE) throw new DataError(`${where}: expected '${label} ${KEY_TYPE} KEY [comment]'`);
    const bad = checkName(name);
    if (bad) throw new DataError(`${where}: ${bad}`);
    try {
      publicKeyFromRaw(key);
    } catch {
      throw new DataError(`${where}: not an Ed25519 public key`);
    }
    names.set(key, name);
  });
  return names;
}
