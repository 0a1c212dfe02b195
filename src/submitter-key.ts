// A submitter's Ed25519 key pair, kept like ssh's: the private key in
// ~/.config/zkjobs/id_ed25519 (mode 0600, never readable by others), the
// public key beside it in id_ed25519.pub as one line `zkjobs-ed25519 BASE64
// user@host`, the line an operator pastes into a daemon's
// authorized_submitters. `zkjobc submit` signs every spec with it when it
// exists (signature.ts says what is signed).
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataError, ZkjobsError } from './errors.js';
import type { JobId } from './job-id.js';
import type { JobSpec } from './job-spec.js';
import { KEY_TYPE, privateKeyFromPem, publicKeyOf, signFields } from './signature.js';

/** ~/.config/zkjobs/id_ed25519, or $XDG_CONFIG_HOME/zkjobs/id_ed25519. */
export function defaultKeyFile(env = process.env): string {
  const config = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(config, 'zkjobs', 'id_ed25519');
}

/** Signs a spec once its job number is known (the number is part of what is signed). */
export type SpecSigner = (id: JobId, spec: JobSpec) => JobSpec;

export function specSigner(key: KeyObject): SpecSigner {
  return (id, spec) => {
    const { signature: _old, ...unsigned } = spec;
    return { ...unsigned, signature: signFields('spec', id, unsigned as Record<string, unknown>, key) };
  };
}

/** The key to sign with: the named file (which must exist), else the default one if it exists. */
export function loadSubmitterKey(file: string | undefined): KeyObject | null {
  const chosen = file ?? defaultKeyFile();
  if (!file && !existsSync(chosen)) return null;
  let pem: string;
  try {
    pem = readFileSync(chosen, 'utf8');
  } catch (err) {
    throw new DataError(`cannot read key ${chosen}: ${(err as Error).message}`);
  }
  const mode = statSync(chosen).mode & 0o077;
  if (mode !== 0) throw new DataError(`key ${chosen} is readable by others (mode ${(statSync(chosen).mode & 0o777).toString(8)}): chmod 600 it`);
  return privateKeyFromPem(pem, chosen);
}

/** The public key line for authorized_submitters. */
export function publicKeyLine(key: KeyObject, comment = `${os.userInfo().username}@${os.hostname()}`): string {
  return `${KEY_TYPE} ${publicKeyOf(key)} ${comment}`;
}

/** Make a new key pair at `file` (0600) and `file`.pub; refuses to overwrite one unless forced. */
export function generateSubmitterKey(file: string, force: boolean): string {
  if (existsSync(file) && !force) throw new ZkjobsError(`${file} exists; keeping it (--force replaces it, and every authorized_submitters line naming the old key stops working)`);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ed25519');
  writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  chmodSync(file, 0o600); // an existing file keeps its mode through writeFileSync
  const line = publicKeyLine(privateKey);
  writeFileSync(`${file}.pub`, `${line}\n`, { mode: 0o644 });
  return line;
}
