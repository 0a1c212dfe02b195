// Findings 3 and 4 of issue 11, against a real ZooKeeper and real daemons:
// once the fleet's identities are configured (`zkjobq init`), node records,
// claims and run slots are created with an ACL that lets only daemons and
// admins change them, so a client without daemon credentials can neither
// rewrite `nodes/<id>`'s output address nor rewrite or lock a claim or a
// slot; `zkjobq check --repair` closes those an older zkjobs left open; and
// `zkjobc output` sends its token only to an address from a node record
// signed by that node's key, so a forged record captures nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { startStandalone, waitFor, type ZkCluster } from '../helpers/zk-server.js';
import { freshRoot, ok, run, startDaemon, type DaemonProcess } from '../helpers/cli.js';
import { digestId } from '../../src/acl.js';
import { PERM, ZkClient, type Acl } from '../../src/zk/client.js';
import { Paths } from '../../src/zk/paths.js';
import { NoAuthError } from '../../src/zk/errors.js';
import { parseJobId } from '../../src/job-id.js';
import { signFields } from '../../src/signature.js';
import { parseNodeRecord, encodeNodeRecord, type NodeRecord } from '../../src/node-record.js';
import type { Fields } from '../../src/record.js';

let zk: ZkCluster;
const daemons: DaemonProcess[] = [];
const root = freshRoot();
const scratch = mkdtempSync(path.join(os.tmpdir(), 'zkjobs-daemon-locks-'));
const tokenFile = path.join(scratch, 'token');
const nodeKey = path.join(scratch, 'worker', 'node_ed25519');
const trustFile = path.join(scratch, 'authorized_daemons');
const conn = (r = root) => ['--zk', zk.connectString, '--root', r];
const secret = (who: string) => `${who}:pw-${who}`;
const as = (who: string) => ({ env: { ZKJOBS_ZK_AUTH: secret(who) } });
const id = (who: string) => digestId(secret(who));
const OPEN: Acl[] = [{ perms: PERM.ALL, scheme: 'world', auth: 'anyone' }];

before(async () => {
  zk = await startStandalone();
  writeFileSync(tokenFile, 'output-token\n');
  assert.match(await ok('zkjobq', ['init', ...conn(), '--daemons', id('worker'), '--admins', id('root')], as('root')), /^fleet: 1 daemon identity, 1 admin identity; node records writable by daemons only\n$/);
  await ok('zkjobq', ['create', ...conn(), 'secure', '--max-running', '1', '--submitters', id('alice'), '--admins', id('root'), '--daemons', id('worker')], as('root'));
  await ok('zkjobq', ['create', ...conn(), 'open', '--max-running', '1'], as('root'));
  daemons.push(await startDaemon({ zk: zk.connectString, root, nodeId: 'worker', slots: 2, queues: ['secure', 'open'], args: ['--http-token-file', tokenFile], env: { ...as('worker').env, ZKJOBS_NODE_KEY: nodeKey } }));
  writeFileSync(trustFile, readFileSync(`${nodeKey}.pub`, 'utf8'));
});
after(async () => {
  await Promise.all(daemons.map((d) => d.stop()));
  await zk?.stop();
});

async function client(who: string | null, r = root): Promise<{ zk: ZkClient; paths: Paths }> {
  return { zk: await ZkClient.connect({ connect: zk.connectString, connectTimeoutMs: 10_000, auth: who ? secret(who) : undefined }), paths: new Paths(r) };
}

/** A job that runs until its gate file appears: it holds its claim and its queue's one run slot meanwhile. */
async function gatedJob(queue: string, who: string | null): Promise<{ job: string; open: () => void }> {
  const gate = path.join(mkdtempSync(path.join(scratch, 'gate-')), 'open');
  const job = (await ok('zkjobc', ['submit', ...conn(), '-q', queue, '--', 'sh', '-c', `while [ ! -e ${gate} ]; do sleep 0.05; done`], who ? as(who) : {})).trim();
  await waitFor(`${job} to run`, async () => (await ok('zkjobc', ['status', ...conn(), job])).includes('running on worker'), 30_000);
  return { job, open: () => writeFileSync(gate, '') };
}

async function slotOf(c: { zk: ZkClient; paths: Paths }, queue: string): Promise<string> {
  const held = await c.zk.children(c.paths.slots(queue));
  assert.equal(held.length, 1, `one slot held in ${queue}`);
  return c.paths.slot(queue, held[0]);
}

async function refused(what: string, attempt: Promise<unknown>): Promise<void> {
  await assert.rejects(attempt, (err) => err instanceof NoAuthError, what);
}

test('a client without daemon credentials cannot rewrite or lock a node record, a claim or a run slot (NOAUTH)', async () => {
  const jobs = [await gatedJob('secure', 'alice'), await gatedJob('open', null)];
  const admin = await client('root');
  try {
    const nodeRecord = admin.paths.node('worker');
    const locks = [nodeRecord];
    for (const { job } of jobs) {
      const jid = parseJobId(job);
      locks.push(admin.paths.claim(jid.queue, jid.seq), await slotOf(admin, jid.queue));
    }
    const before = await Promise.all(locks.map((p) => admin.zk.get(p)));
    const aclsBefore = await Promise.all(locks.map((p) => admin.zk.getAcl(p)));
    for (const who of [null, 'alice']) {
      const intruder = await client(who);
      try {
        for (const lock of locks) {
          await refused(`${who ?? 'anonymous'} rewrites ${lock}`, intruder.zk.set(lock, '{"node":"hijacked","since":"now"}'));
          await refused(`${who ?? 'anonymous'} locks ${lock}`, intruder.zk.setAcl(lock, [{ perms: PERM.ALL, scheme: 'digest', auth: id('mallory') }]));
        }
        await refused(`${who ?? 'anonymous'} registers a node`, intruder.zk.create(intruder.paths.node('forged'), '{}', 'ephemeral'));
      } finally {
        intruder.zk.close();
      }
    }
    const after = await Promise.all(locks.map((p) => admin.zk.get(p)));
    // The daemon rewrites its own node record (at most once a second after a job starts, and when
    // its hardware changes): for it, no intruder's data and the same ACL; claims and slots are
    // written once, so any write to them shows in their version.
    after.forEach((node, i) => {
      if (locks[i] === nodeRecord) assert.doesNotMatch(node.data.toString(), /hijacked/, `${locks[i]} not rewritten by an intruder`);
      else assert.equal(node.stat.version, before[i].stat.version, `${locks[i]} unchanged`);
    });
    assert.deepEqual(await Promise.all(locks.map((p) => admin.zk.getAcl(p))), aclsBefore, 'no ACL changed');
    assert.match(await ok('zkjobc', ['status', ...conn(), jobs[0].job], as('alice')), /running on worker/);
  } finally {
    admin.zk.close();
    jobs.forEach((j) => j.open());
  }
  for (const { job } of jobs) assert.equal((await run('zkjobc', ['wait', ...conn(), job])).code, 0);
});

test('a daemon whose identity is not among the fleet\'s daemons is refused at start, in one line (77)', async () => {
  const r = await run('zkjobd', ['--zk', zk.connectString, '--root', root, '--node-id', 'stranger', '--queue', 'open', '--status-bind', 'none', '--spool-dir', mkdtempSync(path.join(scratch, 'spool-'))], as('alice'));
  assert.equal(r.code, 77, r.stderr);
  assert.match(r.stderr, /not authorized to register node 'stranger'.*not among the fleet's daemons \(zkjobq init --daemons\)/);
});

test('zkjobq check --repair closes a node record, a claim and a slot that an older zkjobs left open', async () => {
  const job = await gatedJob('secure', 'alice');
  const admin = await client('root');
  try {
    const jid = parseJobId(job.job);
    const locks = [admin.paths.nodes(), admin.paths.node('worker'), admin.paths.claim(jid.queue, jid.seq), await slotOf(admin, jid.queue)];
    // What a zkjobs without these ACLs made: open znodes.
    for (const lock of locks) await admin.zk.setAcl(lock, OPEN);
    const found = await run('zkjobq', ['check', ...conn(), '--json'], as('root'));
    assert.equal(found.code, 1, found.stderr);
    const kinds = JSON.parse(found.stdout).findings.map((f: { kind: string; znode: string }) => `${f.kind} ${f.znode}`).sort();
    assert.deepEqual(kinds, ['claim-open-acl claims/' + job.job.split('/')[1], 'node-open-acl nodes/worker', 'nodes-open-acl nodes', `slot-open-acl ${locks[3].slice(admin.paths.queue('secure').length + 1)}`].sort());
    const repaired = await run('zkjobq', ['check', ...conn(), '--repair'], as('root'));
    assert.equal(repaired.code, 1, repaired.stderr);
    assert.equal((repaired.stdout.match(/^repaired .*-open-acl .*: ACL set/gm) ?? []).length, 4, repaired.stdout);
    const anonymous = await client(null);
    try {
      for (const lock of locks.slice(1)) await refused(`anonymous rewrites ${lock} after the repair`, anonymous.zk.set(lock, 'x'));
      await refused('anonymous registers a node after the repair', anonymous.zk.create(anonymous.paths.node('forged'), '{}', 'ephemeral'));
    } finally {
      anonymous.zk.close();
    }
    const clean = await run('zkjobq', ['check', ...conn()], as('root'));
    assert.equal(clean.code, 0, clean.stdout);
  } finally {
    admin.zk.close();
    job.open();
  }
  assert.equal((await run('zkjobc', ['wait', ...conn(), job.job])).code, 0);
});

/** The record re-signed as a node key would sign it, with a key of the attacker's. */
function signedBy(key: KeyObject, record: NodeRecord): NodeRecord {
  const { signature: _genuine, ...unsigned } = record;
  return { ...unsigned, signature: signFields('node', 'victim', unsigned as Fields, key) };
}

/** A listener of the attacker's: every request it receives, with its headers. */
async function attackerListener(): Promise<{ address: string; requests: http.IncomingHttpHeaders[]; close: () => void }> {
  const requests: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.headers);
    res.end('forged output\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { address: `127.0.0.1:${(server.address() as AddressInfo).port}`, requests, close: () => server.close() };
}

test('a forged node record does not capture the output token: zkjobc output refuses (77) and sends nothing', async () => {
  // An install without `zkjobq init` (or a node whose daemon credentials
  // leaked): the record can be rewritten. What must hold then is that the
  // client does not follow it.
  const openRoot = freshRoot();
  const victimKey = path.join(scratch, 'victim', 'node_ed25519');
  const victim = await startDaemon({ zk: zk.connectString, root: openRoot, nodeId: 'victim', slots: 1, queues: ['default'], args: ['--http-token-file', tokenFile], env: { ZKJOBS_NODE_KEY: victimKey } });
  daemons.push(victim);
  const trusting = path.join(scratch, 'authorized_victim');
  writeFileSync(trusting, readFileSync(`${victimKey}.pub`, 'utf8'));
  const withToken = { ZKJOBS_HTTP_TOKEN: 'output-token' };
  const r = await run('zkjobc', ['submit', ...conn(openRoot), '--wait', '--', 'echo', 'genuine output']);
  assert.equal(r.code, 0, r.stderr);
  const job = r.stdout.trim();
  // The genuine record, signed by the victim's key, is followed.
  assert.equal(await ok('zkjobc', ['output', ...conn(openRoot), job], { env: { ...withToken, ZKJOBS_AUTHORIZED_DAEMONS: trusting } }), 'genuine output\n');

  const attacker = await attackerListener();
  const c = await client(null, openRoot);
  try {
    const genuine = parseNodeRecord((await c.zk.get(c.paths.node('victim'))).data);
    await victim.stop();
    await waitFor('the victim record to go', async () => (await c.zk.exists(c.paths.node('victim'))) === null, 20_000);
    const { privateKey } = generateKeyPairSync('ed25519');
    const forgeries = {
      'its own signature kept': { ...genuine, http: attacker.address },
      'signed by a key not in authorized_daemons': signedBy(privateKey, { ...genuine, http: attacker.address }),
    };
    for (const [how, record] of Object.entries(forgeries)) {
      await c.zk.deleteIfExists(c.paths.node('victim'));
      await c.zk.create(c.paths.node('victim'), encodeNodeRecord(record));
      for (const trust of [trusting, 'none']) {
        const out = await run('zkjobc', ['output', ...conn(openRoot), job], { env: { ...withToken, ZKJOBS_AUTHORIZED_DAEMONS: trust } });
        assert.equal(out.code, 77, `${how}, trust ${trust}: ${out.stderr}`);
        assert.equal(out.stdout, '', 'no output printed, forged or not');
        assert.match(out.stderr, new RegExp(`^zkjobc: not asking node victim at ${attacker.address} for output: .+\\n$`));
      }
    }
    assert.deepEqual(attacker.requests, [], 'the attacker received no request, so no token');
  } finally {
    c.zk.close();
    attacker.close();
  }
});
