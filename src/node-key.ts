// A daemon's node key: the Ed25519 key pair with which zkjobd signs every
// result it publishes, so that a client can tell a result an authorized
// daemon wrote from one planted in ZooKeeper by anyone else who may write
// there (a submitter of a shared queue, a client on an open install).
//
// The private key is a file only the daemon's user can read (0600), made at
// the daemon's first start when missing; its public key line, `NODE
// zkjobs-ed25519 BASE64 comment`, is written beside it in FILE.pub and
// printed by `zkjobd --print-node-key`: the line an operator adds to the
// clients' authorized_daemons file (authorized-daemons.ts).
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { closeSync, existsSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from './errors.js';
import type { JobId } from './job-id.js';
import type { JobResult } from './result.js';
import type { NodeRecord } from './node-record.js';
import { KEY_TYPE, privateKeyFromPem, publicKeyOf, signFields } from './signature.js';
import type { Fields } from './record.js';

/** /etc/zkjobs/node_ed25519 for a root daemon; ~/.config/zkjobs/node_ed25519 (or under $XDG_CONFIG_HOME) otherwise. */
export function defaultNodeKeyFile(env = process.env, uid = process.getuid?.() ?? 0): string {
  if (env.ZKJOBS_NODE_KEY) return env.ZKJOBS_NODE_KEY;
  if (uid === 0) return '/etc/zkjobs/node_ed25519';
  return path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'zkjobs', 'node_ed25519');
}

/** The node key in `file`, made (0600, with FILE.pub) when there is none yet. */
export function loadOrCreateNodeKey(file: string, nodeId: string): KeyObject {
  if (!existsSync(file)) createNodeKey(file, nodeId);
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read node key ${file}: ${(err as Error).message}`);
  }
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) throw new ConfigError(`node key ${file} is readable by others (mode ${mode.toString(8)}): chmod 600 it`);
  try {
    return privateKeyFromPem(pem, file);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

/**
 * Write the key to a private temporary file, then link it into place: link
 * fails if the name exists, so two daemons starting at once with the same
 * file never overwrite each other's key, and no reader sees half a key.
 */
function createNodeKey(file: string, nodeId: string): void {
  const { privateKey } = generateKeyPairSync('ed25519');
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    } finally {
      closeSync(fd);
    }
    linkSync(tmp, file);
    const pub = openSync(`${file}.pub`, 'w', 0o644);
    writeSync(pub, `${nodeKeyLine(nodeId, privateKey)}\n`);
    closeSync(pub);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new ConfigError(`cannot create node key ${file}: ${(err as Error).message} (set node_key or --node-key to a file this user may write)`);
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing to remove
    }
  }
}

/** The line for clients' authorized_daemons: `NODE zkjobs-ed25519 BASE64 comment`. */
export function nodeKeyLine(nodeId: string, key: KeyObject): string {
  return `${nodeId} ${KEY_TYPE} ${publicKeyOf(key)} zkjobd@${os.hostname()}`;
}

/**
 * Signs the daemon's node record (over the node id and every field), so
 * that a client can tell the output address in it is the node's own
 * before it sends its token there (authorized-daemons.ts nodeRecordDistrust).
 */
export type NodeRecordSigner = (record: NodeRecord) => NodeRecord;

export function nodeRecordSigner(key: KeyObject, nodeId: string): NodeRecordSigner {
  return (record) => {
    const { signature: _old, ...unsigned } = record;
    return { ...unsigned, signature: signFields('node', nodeId, unsigned as Fields, key) };
  };
}

/** Signs a result with the node key; done once per result, before any publish attempt (see job-table.ts). */
export type ResultSigner = (id: JobId, result: JobResult) => JobResult;

export function resultSigner(key: KeyObject): ResultSigner {
  return (id, result) => {
    const { signature: _old, ...unsigned } = result;
    return { ...unsigned, signature: signFields('result', id, unsigned as Fields, key) };
  };
}
