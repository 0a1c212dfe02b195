// A ZooKeeper connect string is checked before the binding sees it: the C
// client takes `garbage` or port 99999 without complaint and then retries
// for the whole connect timeout, which reads as "ZooKeeper is down" (exit
// 69) when the command line is what is wrong (exit 64, at once).
import { UsageError } from '../errors.js';

const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])$/;

/** HOST:PORT[,HOST:PORT…][/chroot], each port 1-65535; throws UsageError saying what is wrong. */
export function checkConnectString(connect: string): string {
  const [servers, ...chroot] = connect.split('/');
  if (connect.trim() === '') throw new UsageError('--zk is empty; give HOST:PORT[,HOST:PORT…]');
  for (const server of servers.split(',')) {
    const m = /^(.*):(\d+)$/.exec(server);
    if (!m || !HOST.test(m[1])) throw new UsageError(`--zk '${connect}': '${server}' is not HOST:PORT`);
    const port = Number(m[2]);
    if (port < 1 || port > 65535) throw new UsageError(`--zk '${connect}': port ${m[2]} is out of range (1-65535)`);
  }
  if (chroot.length > 0 && chroot.join('/') !== '' && chroot.some((c) => c === '')) throw new UsageError(`--zk '${connect}': bad chroot path`);
  return connect;
}
