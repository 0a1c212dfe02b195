// The job runner: a small long-lived process per daemon that starts jobs
// through execa (runner.ts) and reports their exits. Forking a process
// costs time in proportion to the size of the process that forks, and
// Node forks on its main thread: from the daemon (~100 MB) that was most of
// a short job's cost, during which the daemon could not talk to ZooKeeper.
// From here the fork is smaller and runs beside the daemon, on another core.
//
// It holds no claim and decides nothing: the daemon keeps every job's
// process group ids (sent as soon as they exist) and signals them itself
// when it fences or cancels. If the daemon goes away (its IPC channel
// closes: a crash, a SIGKILL), the claims died with its session, so this
// process kills every job it started and exits: nobody could publish
// their results, and a peer is about to run them again.
import { closeSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { startProcess, type RunningProcess } from './runner.js';
import { spoolSink } from './output-spool.js';
import type { FromRunner, ToRunner } from './spawn-messages.js';

const running = new Map<number, RunningProcess>();

/**
 * The ZooKeeper C client is built to open its sockets close-on-exec
 * (patches/zookeeper+7.3.0.patch), so a runner forked while a session is
 * open inherits nothing of it. This is the second line, for a binding built
 * some other way: a socket held here outlives the daemon's close of it (the
 * kernel keeps it registered in the daemon's epoll set, and a cut connection
 * then looked like an expired session), and every job would inherit it too,
 * a daemon's authenticated connection in a job's hands. So the runner closes
 * every TCP socket it inherited before doing anything else.
 */
function closeInheritedTcpSockets(): void {
  const tcp = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      for (const line of readFileSync(table, 'latin1').split('\n').slice(1)) {
        const inode = line.trim().split(/\s+/)[9];
        if (inode && inode !== '0') tcp.add(inode);
      }
    } catch {
      // No such table (no IPv6): nothing of that kind to close.
    }
  }
  for (const name of readdirSync('/proc/self/fd')) {
    const fd = Number(name);
    if (fd <= 3) continue; // stdio and the pipe to the daemon
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1];
      if (inode && tcp.has(inode)) closeSync(fd);
    } catch {
      // Gone already (the directory's own descriptor).
    }
  }
}

closeInheritedTcpSockets();

function send(message: FromRunner): void {
  process.send?.(message);
}

function start(message: Extract<ToRunner, { type: 'start' }>): void {
  const { n, id, request: wire, spool } = message;
  const stdoutSink = spoolSink(spool.dir, id, 'stdout', spool.maxBytes, spool.owner);
  const stderrSink = spoolSink(spool.dir, id, 'stderr', spool.maxBytes, spool.owner);
  const job = startProcess({ ...wire, stdin: wire.stdin === undefined ? undefined : Buffer.from(wire.stdin, 'base64'), stdoutSink, stderrSink });
  running.set(n, job);
  send({ type: 'started', n, pids: job.pids });
  void job.done.then(async (outcome) => {
    await Promise.all([stdoutSink, stderrSink].map((s) => new Promise((r) => s.end(r))));
    running.delete(n);
    send({ type: 'exited', n, outcome });
  });
}

process.on('message', (message: ToRunner) => {
  if (message.type === 'start') start(message);
  else running.get(message.n)?.stop(message.graceMs);
});

process.on('disconnect', () => {
  for (const job of running.values()) for (const pid of job.pids) signalGroup(pid);
  process.exit(0);
});

function signalGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
