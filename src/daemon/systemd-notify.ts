// systemd's Type=notify: tell the service manager when the daemon is ready
// (registered in ZooKeeper) and when it is stopping. Node has no unix
// datagram sockets, so this goes through systemd-notify(1) naming our pid
// (the unit sets NotifyAccess=all, which an unprivileged daemon needs).
// Without NOTIFY_SOCKET it does nothing.
//
// The socket is taken out of our environment at start, as sd_notify(3) does
// with unset_environment, so that jobs (which inherit the rest of it) are
// not told where to speak for the daemon.
import { execFile } from 'node:child_process';
import type { Logger } from '../log.js';

let notifySocket: string | undefined;

/** Keep NOTIFY_SOCKET for ourselves; call before any job starts. */
export function claimNotifySocket(env: NodeJS.ProcessEnv = process.env): void {
  notifySocket = env.NOTIFY_SOCKET || undefined;
  delete env.NOTIFY_SOCKET;
}

export function notifySystemd(state: string, log: Logger): void {
  if (!notifySocket) return;
  execFile('systemd-notify', [`--pid=${process.pid}`, state], { env: { ...process.env, NOTIFY_SOCKET: notifySocket } }, (err) => {
    if (err) log.warn('cannot notify systemd', { state, error: err.message });
  });
}
