// TLS to ZooKeeper, for real: a standalone server with a secureClientPort
// that requires a client certificate (ssl.clientAuth=need), certificates
// made with openssl and keytool, and the three programs given --zk-tls-*.
// Jobs run over it; clients without an accepted certificate are refused
// with one line and exit 69 (65 or 64 before connecting for bad files or
// flags); the certificate's subject is an x509 identity usable in ACLs; and
// session expiry, reconnection and a server restart work as over plain TCP.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, startStandalone, waitFor, type ZkCluster } from '../helpers/zk-server.js';
import net from 'node:net';
import { makeTlsMaterial, tlsFlags, type TlsMaterial } from '../helpers/tls-certs.js';
import { DaemonProcess, freshRoot, ok, run } from '../helpers/cli.js';
import { connectClient, expireSession } from '../helpers/faults.js';
import { PERM, type ZkClient } from '../../src/zk/client.js';
import { NoAuthError } from '../../src/zk/errors.js';
import { Paths } from '../../src/zk/paths.js';
import { UnavailableError } from '../../src/errors.js';
import { spawn } from 'node:child_process';

// The x509 identity of each client is logged at INFO.
process.env.ZK_LOG_LEVEL = 'info';

let tls: TlsMaterial;
let zk: ZkCluster;
const daemons: DaemonProcess[] = [];
const clients: ZkClient[] = [];

before(async () => {
  tls = makeTlsMaterial();
  zk = await startStandalone({ tls: tls.serverDir });
});

after(async () => {
  for (const c of clients) c.close();
  for (const d of daemons) d.signal('SIGCONT');
  await Promise.all(daemons.map((d) => d.stop()));
  await zk?.stop();
  tls?.remove();
});

const serverLog = () => readFileSync(path.join(zk.members[0].dir, 'zookeeper.log'), 'utf8');

async function tlsDaemon(root: string, nodeId: string, extra: string[] = []): Promise<DaemonProcess> {
  const d = new DaemonProcess({ zk: zk.secureConnectString, root, nodeId, args: [...tlsFlags(tls.client(`zkjobd-${nodeId}`)), ...extra] });
  daemons.push(d);
  try {
    return await d.started(60_000);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${d.log}`);
  }
}

function submitWait(root: string, files = tls.client('submitter'), argv = ['sh', '-c', 'exit 7']) {
  return run('zkjobc', ['submit', '--zk', zk.secureConnectString, '--root', root, ...tlsFlags(files), '--wait', '--', ...argv], { timeoutMs: 60_000 });
}

test('jobs run over TLS: zkjobd, zkjobc submit --wait and zkjobq, each with its own certificate', async () => {
  const root = freshRoot();
  await tlsDaemon(root, 'tls1');
  const r = await submitWait(root);
  assert.equal(r.code, 7, `the job's exit status comes back over TLS: ${r.stderr}`);
  const id = r.stdout.trim();
  assert.match(await ok('zkjobc', ['status', '--zk', zk.secureConnectString, '--root', root, ...tlsFlags(tls.client('submitter')), id]), /failed exit 7 on tls1/);
  assert.match(await ok('zkjobq', ['nodes', '--zk', zk.secureConnectString, '--root', root, ...tlsFlags(tls.client('operator'))]), /^tls1\s/m);
  // The same through the ZKJOBS_ZK_TLS_* variables.
  const files = tls.client('env-user');
  const viaEnv = await run('zkjobq', ['list', '--zk', zk.secureConnectString, '--root', root], {
    env: { ZKJOBS_ZK_TLS_CA: files.ca, ZKJOBS_ZK_TLS_CERT: files.cert, ZKJOBS_ZK_TLS_KEY: files.key },
  });
  assert.equal(viaEnv.code, 0, viaEnv.stderr);
  assert.match(viaEnv.stdout, new RegExp(id));
  // Each program was a distinct x509 identity to the server.
  for (const cn of ['zkjobd-tls1', 'submitter', 'operator', 'env-user']) {
    assert.match(serverLog(), new RegExp(`Authenticated Id 'CN=${cn}' for Scheme 'x509'`), `the server saw CN=${cn}`);
  }
});

test('a client without an accepted certificate is refused: one line, exit 69, nothing queued', async () => {
  const root = freshRoot();
  const cases: [string, string[], RegExp][] = [
    ['no certificate at all', [], /^zkjobc: cannot connect to ZooKeeper at \S+ within 3000 ms\n$/],
    ['a certificate from a CA the server does not trust', tlsFlags({ ...tls.foreignClient('intruder'), ca: tls.ca }), /^zkjobc: cannot connect to ZooKeeper at \S+ within 3000 ms \((TLS handshake failed|connection refused or closed)\)\n$/],
    ['a server certificate from a CA the client does not trust', tlsFlags({ ...tls.client('submitter'), ca: tls.foreignCa }), /^zkjobc: cannot connect to ZooKeeper at \S+ within 3000 ms \(TLS handshake failed\)\n$/],
  ];
  for (const [what, flags, message] of cases) {
    const r = await run('zkjobc', ['submit', '--zk', zk.secureConnectString, '--root', root, '--connect-timeout', '3000', ...flags, '--', 'true']);
    assert.equal(r.code, 69, `${what}: exit 69 (${r.stderr})`);
    assert.match(r.stderr, message, what);
    assert.equal(r.stdout, '', what);
  }
  const list = await ok('zkjobq', ['list', '--zk', zk.secureConnectString, '--root', root, ...tlsFlags(tls.client('operator'))]);
  assert.doesNotMatch(list, /default\//, 'no refused client queued anything');
});

test('bad TLS files or flags are refused before connecting, with one line', async () => {
  const good = tls.client('submitter');
  const other = tls.client('someone-else');
  const cases: [string, string[], number, RegExp][] = [
    ['half the flags', ['--zk-tls-ca', good.ca], 64, /needs all of --zk-tls-ca, --zk-tls-cert and --zk-tls-key .*missing --zk-tls-cert, --zk-tls-key/],
    ['a missing file', tlsFlags({ ...good, cert: '/nonexistent/cert.pem' }), 65, /^zkjobq: cannot read \/nonexistent\/cert\.pem: /],
    ['a key that is not the certificate\'s', tlsFlags({ ...good, key: other.key }), 65, /this key does not belong to the certificate/],
    ['a certificate that is not PEM', tlsFlags({ ...good, cert: good.key }), 65, /no PEM certificate in this file \(zk_tls_cert\)/],
    ['a comma in a file name', tlsFlags({ ...good, ca: '/tmp/a,b.pem' }), 64, /may not contain a comma/],
  ];
  for (const [what, flags, code, message] of cases) {
    const started = Date.now();
    const r = await run('zkjobq', ['list', '--zk', zk.secureConnectString, ...flags]);
    assert.equal(r.code, code, `${what}: exit ${code} (${r.stderr})`);
    assert.match(r.stderr.split('\n')[0], message, what);
    assert.ok(Date.now() - started < 20_000, `${what}: refused without waiting for a connection`);
  }
  const d = await run('zkjobd', ['--check-config', '--zk', zk.secureConnectString, ...tlsFlags({ ...good, key: other.key })]);
  assert.equal(d.code, 65, `zkjobd checks the files at --check-config: ${d.stderr}`);
});

// Every node holds a certificate of the fleet's CA; none of them may pose as
// a ZooKeeper server. Client certificates say extendedKeyUsage=clientAuth,
// and the client requires a server certificate (OpenSSL's ssl_server
// purpose). The impostor is openssl s_server with a node's certificate.
test("a node's client certificate cannot pose as a ZooKeeper server", async () => {
  const node = tls.client('zkjobd-impostor');
  const port = await freePort();
  const impostor = spawn('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', node.cert, '-key', node.key, '-quiet'], { stdio: 'ignore' });
  try {
    await waitFor('the impostor to listen', () => new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.end(() => resolve(true)));
      socket.on('error', () => resolve(false));
    }), 10_000, 100);
    const r = await run('zkjobq', ['list', '--zk', `127.0.0.1:${port}`, '--connect-timeout', '3000', ...tlsFlags(tls.client('operator'))]);
    assert.equal(r.code, 69, r.stderr);
    assert.match(r.stderr, /^zkjobq: cannot connect to ZooKeeper at \S+ within 3000 ms \(TLS handshake failed\)\n$/);
  } finally {
    impostor.kill();
  }
});

test('the certificate is an x509 identity in ZooKeeper ACLs', async () => {
  const admin = await connectClient(zk.secureConnectString, { tls: tls.client('zkjobs-admin') });
  clients.push(admin);
  const intruder = await connectClient(zk.secureConnectString, { tls: tls.client('intruder') });
  clients.push(intruder);
  const node = `/x509-${process.pid}`;
  await admin.create(node, 'secret', 'persistent', [{ perms: PERM.ALL, scheme: 'x509', auth: 'CN=zkjobs-admin' }]);
  assert.equal((await admin.get(node)).data.toString(), 'secret', 'the certificate named in the ACL may read');
  await assert.rejects(intruder.get(node), NoAuthError, 'another certificate of the same CA may not');
  await assert.rejects(intruder.set(node, 'forged'), NoAuthError);
});

test('x509 identities in zkjobq init and create: listed certificates submit and serve, others are refused (77)', async () => {
  const root = freshRoot();
  const as = (cn: string) => ['--zk', zk.secureConnectString, '--root', root, ...tlsFlags(tls.client(cn))];
  assert.match(await ok('zkjobq', ['init', ...as('fleet-admin'), '--daemons', 'x509:CN=zkjobd-x509', '--admins', 'x509:CN=fleet-admin']), /^fleet: 1 daemon identity, 1 admin identity/);
  assert.equal(await ok('zkjobq', ['create', ...as('fleet-admin'), 'certs', '--submitters', 'x509:CN=alice', '--admins', 'x509:CN=fleet-admin', '--daemons', 'x509:CN=zkjobd-x509']), 'certs: created (restricted)\n');
  await tlsDaemon(root, 'x509', ['--queue', 'certs']);
  const submitted = await run('zkjobc', ['submit', ...as('alice'), '-q', 'certs', '--wait', '--', 'sh', '-c', 'exit 3'], { timeoutMs: 60_000 });
  assert.equal(submitted.code, 3, `alice's certificate submits, the daemon's runs it: ${submitted.stderr}`);
  const refused = await run('zkjobc', ['submit', ...as('mallory'), '-q', 'certs', '--', 'true'], { timeoutMs: 60_000 });
  assert.equal(refused.code, 77, refused.stderr);
  assert.match(refused.stderr, /not authorized/);
  // The daemon's record is its certificate's alone to change, the fleet admin's to repair.
  const mallory = await connectClient(zk.secureConnectString, { tls: tls.client('mallory') });
  clients.push(mallory);
  const paths = new Paths(root);
  await assert.rejects(mallory.set(paths.node('x509'), '{}'), NoAuthError);
  await assert.rejects(mallory.create(paths.node('forged'), '{}', 'ephemeral'), NoAuthError);
  const check = await run('zkjobq', ['check', ...as('fleet-admin')], { timeoutMs: 60_000 });
  assert.equal(check.code, 0, check.stdout + check.stderr);
});

test('session expiry over TLS: a renewed session is TLS again and works', async () => {
  const client = await connectClient(zk.secureConnectString, { tls: tls.client('renewer'), renew: true, sessionTimeoutMs: 4_000 });
  clients.push(client);
  const first = client.sessionId;
  const renewed = new Promise<void>((resolve) => client.once('session', resolve));
  await expireSession(client);
  await renewed;
  assert.notEqual(client.sessionId, first, 'a new session');
  await client.create(`/renewed-${process.pid}`, 'ok', 'ephemeral');
  assert.equal((await client.get(`/renewed-${process.pid}`)).data.toString(), 'ok');
});

test('zkjobd over TLS survives its session expiring and the server restarting, and runs the next job', async () => {
  const root = freshRoot();
  const d = await tlsDaemon(root, 'tls2', ['--session-timeout', '2s']);
  assert.equal((await submitWait(root)).code, 7);

  // Frozen past its session timeout: the server expires the session; once
  // thawed the daemon hears so over TLS and opens a new TLS session.
  const registered = await ok('zkjobq', ['nodes', '--zk', zk.secureConnectString, '--root', root, ...tlsFlags(tls.client('operator'))]);
  assert.match(registered, /^tls2\s/m);
  d.signal('SIGSTOP');
  await waitFor('the frozen daemon to leave the node list', async () => !/^tls2\s/m.test(await ok('zkjobq', ['nodes', '--zk', zk.secureConnectString, '--root', root, ...tlsFlags(tls.client('operator'))])), 30_000, 250);
  d.signal('SIGCONT');
  await d.waitForLog(/session expired/, 30_000);
  await waitFor('tls2 to register again', async () => /^tls2\s/m.test(await ok('zkjobq', ['nodes', '--zk', zk.secureConnectString, '--root', root, ...tlsFlags(tls.client('operator'))])), 30_000, 250);
  assert.equal((await submitWait(root, tls.client('submitter'), ['sh', '-c', 'exit 8'])).code, 8, 'the daemon runs jobs after a new TLS session');

  // The server restarts (same data): the daemon reconnects over TLS, to its
  // session or, if that expired meanwhile, to a new one.
  const before = d.log.length;
  await zk.members[0].stop();
  await d.waitForLog(/ZooKeeper connection lost/, 30_000);
  await zk.members[0].start();
  await waitFor('the daemon to be back', () => /connection back, same session|ZooKeeper session expired/.test(d.log.slice(before)), 60_000, 100);
  const r = await submitWait(root, tls.client('submitter'), ['sh', '-c', 'exit 9']);
  assert.equal(r.code, 9, `the next job runs after the restart: ${r.stderr}`);
  assert.match(await ok('zkjobc', ['status', '--zk', zk.secureConnectString, '--root', root, ...tlsFlags(tls.client('submitter')), r.stdout.trim()]), /on tls2/);
});

// Last, as it freezes the server. The C client ran its TLS handshake in a select() loop on Node's event loop
// thread until the server answered: a server that accepts the TCP connection
// and then stays silent (a frozen JVM) stopped every timer of the process,
// the daemon's fencing timer included. The patched binding takes one
// handshake step per socket event and times the handshake out.
test('connecting over TLS to a frozen server never stalls the event loop', async () => {
  const files = tls.client('patient'); // made now: openssl runs synchronously
  const member = zk.members[0];
  const pid = Number(readFileSync(path.join(member.dir, 'zookeeper.pid'), 'utf8'));
  member.freeze();
  // From outside: a stalled event loop could not thaw the server itself.
  const thawer = spawn('sh', ['-c', `sleep 8; kill -CONT ${pid}`], { stdio: 'ignore' });
  let maxGap = 0;
  let last = Date.now();
  const tick = setInterval(() => {
    maxGap = Math.max(maxGap, Date.now() - last);
    last = Date.now();
  }, 20);
  try {
    const started = Date.now();
    await assert.rejects(connectClient(zk.secureConnectString, { tls: files, connectTimeoutMs: 4_000, sessionTimeoutMs: 3_000 }), UnavailableError);
    assert.ok(Date.now() - started < 7_000, `gave up after ${Date.now() - started} ms, not at its 4000 ms connect timeout`);
  } finally {
    clearInterval(tick);
    member.thaw();
    thawer.kill();
  }
  assert.ok(maxGap < 1_000, `longest event-loop stall while connecting: ${maxGap} ms`);
  await zk.waitReady();
});
