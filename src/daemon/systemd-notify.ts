// systemd's Type=notify: tell the service manager when the daemon is ready
// (registered in ZooKeeper) and when it is stopping. Node has no unix
// datagram sockets, so this goes through systemd-notify(1) naming our pid
// (the unit sets NotifyAccess=all). Without NOTIFY_SOCKET it does nothing.
import { execFile } from 'node:child_process';
import type { Logger } from '../log.js';

export function notifySystemd(state: string, log: Logger): void {
  if (!process.env.NOTIFY_SOCKET) return;
  execFile('systemd-notify', [`--pid=${process.pid}`, state], (err) => {
    if (err) log.warn('cannot notify systemd', { state, error: err.message });
  });
}
