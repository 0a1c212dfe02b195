// Mail on error against a real SMTP server (the smtp-server package on a
// loopback port): the report that arrives, and that a mail failure neither
// fails nor delays the job's result.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SMTPServer } from 'smtp-server';
import { startStandalone, freePort, waitFor, type ZkCluster } from '../helpers/zk-server.js';
import { freshRoot, run, startDaemon, type DaemonProcess } from '../helpers/cli.js';

interface Received {
  from: string;
  to: string[];
  data: string;
}

let zk: ZkCluster;
let smtp: SMTPServer;
let smtpPort: number;
const inbox: Received[] = [];
const daemons: DaemonProcess[] = [];

before(async () => {
  zk = await startStandalone();
  smtpPort = await freePort();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      let data = '';
      stream.on('data', (c: Buffer) => (data += c));
      stream.on('end', () => {
        inbox.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), data });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(smtpPort, '127.0.0.1', resolve));
});
after(async () => {
  await Promise.all(daemons.map((d) => d.stop()));
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  await zk?.stop();
});

test('a failed job mails its report: id, command, node, status, times, stderr tail', async () => {
  const root = freshRoot();
  daemons.push(await startDaemon({ zk: zk.connectString, root, nodeId: 'mailer', slots: 1, args: ['--smtp-host', '127.0.0.1', '--smtp-port', String(smtpPort), '--smtp-from', 'zkjobs@test.example'] }));
  const conn = ['--zk', zk.connectString, '--root', root];
  const failed = await run('zkjobc', ['submit', ...conn, '--wait', '--mail-to', 'ops@test.example', '--', 'sh', '-c', 'echo "disk full on /data" >&2; exit 7']);
  assert.equal(failed.code, 7);
  const id = failed.stdout.trim();
  const mail = await waitFor('the report to arrive', () => inbox.find((m) => m.data.includes(id)), 20_000);
  assert.equal(mail.from, 'zkjobs@test.example');
  assert.deepEqual(mail.to, ['ops@test.example']);
  assert.match(mail.data, new RegExp(`Subject: zkjobs: job ${id.replace('/', '\\/')} failed \\(exit status 7\\) on mailer`));
  for (const line of [`Job:       ${id}`, `Command:   sh -c 'echo "disk full on /data" >&2; exit 7'`, 'Node:      mailer', 'Status:    exit status 7', 'disk full on /data']) {
    assert.ok(mail.data.includes(line), `report has ${JSON.stringify(line)}:\n${mail.data}`);
  }
  assert.match(mail.data, /Started: {3}\d{4}-\d\d-\d\dT/);

  const succeeded = await run('zkjobc', ['submit', ...conn, '--wait', '--mail-to', 'ops@test.example', '--', 'true']);
  assert.equal(succeeded.code, 0);
  const later = await run('zkjobc', ['submit', ...conn, '--wait', '--mail-to', 'ops@test.example', '--', 'false']);
  assert.equal(later.code, 1);
  await waitFor('the later failure report', () => inbox.some((m) => m.data.includes(later.stdout.trim())), 20_000);
  assert.ok(!inbox.some((m) => m.data.includes(succeeded.stdout.trim())), 'no mail for a job that succeeded');
});

test('an unreachable SMTP server neither fails nor delays the result', async () => {
  const root = freshRoot();
  const deadPort = await freePort();
  const d = await startDaemon({ zk: zk.connectString, root, nodeId: 'nomail', slots: 1, args: ['--smtp-host', '127.0.0.1', '--smtp-port', String(deadPort)] });
  daemons.push(d);
  const started = Date.now();
  const r = await run('zkjobc', ['submit', '--zk', zk.connectString, '--root', root, '--wait', '--mail-to', 'ops@test.example', '--', 'false']);
  assert.equal(r.code, 1);
  assert.ok(Date.now() - started < 10_000, 'the result was not held up by the mail');
  await d.waitForLog(/cannot mail failure report/);
  assert.ok(d.alive);
});
