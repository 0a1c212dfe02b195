// The TLS identity a program presents to ZooKeeper: zk_tls_ca, zk_tls_cert and
// zk_tls_key (flags --zk-tls-*, variables ZKJOBS_ZK_TLS_*). The C client reads
// the files itself and, when one is wrong, only fails its handshakes over and
// over until the connect timeout; so they are read and checked here first,
// and a bad one is one clear line and exit 65 before any connection.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DataError, UsageError } from './errors.js';
import type { ZkTlsFiles } from './zk/client.js';

export interface ZkTlsArgs {
  'zk-tls-ca'?: string;
  'zk-tls-cert'?: string;
  'zk-tls-key'?: string;
}

/** The three files, checked; undefined when none is set (plain TCP). */
export function zkTlsFrom(args: ZkTlsArgs): ZkTlsFiles | undefined {
  const ca = args['zk-tls-ca'] || undefined;
  const cert = args['zk-tls-cert'] || undefined;
  const key = args['zk-tls-key'] || undefined;
  if (!ca && !cert && !key) return undefined;
  if (!ca || !cert || !key) {
    const missing = [!ca && '--zk-tls-ca', !cert && '--zk-tls-cert', !key && '--zk-tls-key'].filter(Boolean).join(', ');
    throw new UsageError(`TLS to ZooKeeper needs all of --zk-tls-ca, --zk-tls-cert and --zk-tls-key (zk_tls_* in the configuration file); missing ${missing}`);
  }
  for (const file of [ca, cert, key]) {
    // The C client takes the three names as one comma-separated string.
    if (file.includes(',')) throw new UsageError(`a TLS file name may not contain a comma: '${file}'`);
  }
  certificates(ca, 'zk_tls_ca');
  const [own] = certificates(cert, 'zk_tls_cert');
  const privateKey = keyOf(key);
  if (!own.checkPrivateKey(privateKey)) throw new DataError(`${key}: this key does not belong to the certificate in ${cert}`);
  return { ca, cert, key };
}

/** The certificates in a PEM file, at least one. */
function certificates(file: string, what: string): X509Certificate[] {
  const blocks = read(file).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new DataError(`${file}: no PEM certificate in this file (${what})`);
  return blocks.map((pem) => {
    try {
      return new X509Certificate(pem);
    } catch (err) {
      throw new DataError(`${file}: not a valid certificate (${what}): ${(err as Error).message}`);
    }
  });
}

function keyOf(file: string): KeyObject {
  const text = read(file);
  if (/ENCRYPTED/.test(text)) throw new DataError(`${file}: the key is encrypted; zk_tls_key takes an unencrypted key (keep the file mode 0600)`);
  try {
    return createPrivateKey(text);
  } catch (err) {
    throw new DataError(`${file}: not a PEM private key (zk_tls_key): ${(err as Error).message}`);
  }
}

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new DataError(`cannot read ${file}: ${(err as Error).message}`);
  }
}
