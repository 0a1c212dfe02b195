// Certificates for the TLS tests, made with the real tools an operator uses
// (openssl for the keys and certificates, keytool for the server's PKCS12
// trust store), in a temp dir that the test removes.
//
// One CA signs the server's certificate (serverAuth, for 127.0.0.1) and the
// clients' (clientAuth, CN=<name>): the extended key usages keep a client's
// certificate from passing as a server's. foreignClient() is signed by
// another CA that neither side trusts.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ZkTlsFiles } from '../../src/zk/client.js';

export interface TlsMaterial {
  /** The CA's certificate, PEM: what clients trust (zk_tls_ca). */
  readonly ca: string;
  /** keystore.p12, truststore.p12 and password, for `startStandalone({ tls })`. */
  readonly serverDir: string;
  /** A client certificate with CN=name signed by the CA. */
  client(name: string): ZkTlsFiles;
  /** A client certificate with CN=name signed by a CA nobody trusts. */
  foreignClient(name: string): ZkTlsFiles;
  /** The CA nobody trusts, PEM. */
  readonly foreignCa: string;
  remove(): void;
}

const DAYS = '2';

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A self-signed CA: NAME.crt and NAME.key in dir. */
function makeCa(dir: string, name: string, cn: string): void {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', DAYS, '-subj', `/CN=${cn}`], dir);
}

/** A key and a certificate signed by ca: file.key and file.crt in dir. */
function makeLeaf(dir: string, ca: string, file: string, cn: string, usage: 'serverAuth' | 'clientAuth'): void {
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${file}.key`, '-out', `${file}.csr`, '-subj', `/CN=${cn}`], dir);
  const ext = `extendedKeyUsage=${usage}\n${usage === 'serverAuth' ? 'subjectAltName=IP:127.0.0.1\n' : ''}`;
  writeFileSync(path.join(dir, `${file}.ext`), ext);
  openssl(['x509', '-req', '-in', `${file}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${file}.crt`, '-days', DAYS, '-extfile', `${file}.ext`], dir);
}

export function makeTlsMaterial(): TlsMaterial {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zkjobs-tls-'));
  const serverDir = path.join(dir, 'server');
  mkdirSync(serverDir);
  makeCa(dir, 'ca', 'zkjobs test CA');
  makeCa(dir, 'foreign-ca', 'some other CA');
  makeLeaf(dir, 'ca', 'server', 'zookeeper-test', 'serverAuth');
  const password = 'test-store-password';
  writeFileSync(path.join(serverDir, 'password'), password);
  // The server's key store: its key, its certificate and the CA's, PKCS12.
  openssl(['pkcs12', '-export', '-in', 'server.crt', '-inkey', 'server.key', '-certfile', 'ca.crt', '-out', path.join(serverDir, 'keystore.p12'), '-passout', `pass:${password}`], dir);
  // The server's trust store: the CA whose client certificates it accepts.
  execFileSync('keytool', ['-importcert', '-noprompt', '-alias', 'ca', '-file', 'ca.crt', '-keystore', path.join(serverDir, 'truststore.p12'), '-storetype', 'PKCS12', '-storepass', password], { cwd: dir, stdio: 'ignore' });
  const made = new Set<string>();
  const leaf = (ca: string, name: string): ZkTlsFiles => {
    const file = `${ca}-${name}`;
    if (!made.has(file)) makeLeaf(dir, ca, file, name, 'clientAuth');
    made.add(file);
    return { ca: path.join(dir, 'ca.crt'), cert: path.join(dir, `${file}.crt`), key: path.join(dir, `${file}.key`) };
  };
  return {
    ca: path.join(dir, 'ca.crt'),
    foreignCa: path.join(dir, 'foreign-ca.crt'),
    serverDir,
    client: (name) => leaf('ca', name),
    foreignClient: (name) => leaf('foreign-ca', name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The --zk-tls-* flags for a client's files. */
export function tlsFlags(files: ZkTlsFiles): string[] {
  return ['--zk-tls-ca', files.ca, '--zk-tls-cert', files.cert, '--zk-tls-key', files.key];
}
