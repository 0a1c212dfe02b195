// Where the status page listens: status_bind / --status-bind / zkjobq serve
// --bind. HOST:PORT, or `none`. A page reachable from other hosts shows
// the cluster's commands and output, so a bind that is not loopback needs a
// token, as the output endpoint's does: without one, exit 78 (unsafe configuration).
import { readFileSync } from 'node:fs';
import { ConfigError, DataError, UsageError } from '../errors.js';
import type { StatusOptions } from './status-server.js';

/** The port of the node cluster this project grows from; on loopback by default. */
export const DEFAULT_STATUS_BIND = '127.0.0.1:22581';

export function isLoopback(host: string): boolean {
  return /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1' || host === 'localhost';
}

/** The options a bind and an optional token file describe; null for `none`. */
export function parseStatusBind(bind: string, tokenFile: string | undefined, flag: string): StatusOptions | null {
  if (bind === 'none') return null;
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(bind);
  if (!match || Number(match[2]) > 65535) throw new UsageError(`${flag} takes HOST:PORT or none, got '${bind}'`);
  let token: string | null = null;
  if (tokenFile) {
    try {
      token = readFileSync(tokenFile, 'utf8').trim();
    } catch (err) {
      throw new DataError(`cannot read ${tokenFile}: ${(err as Error).message}`);
    }
    if (token === '') throw new DataError(`${tokenFile} is empty: the status page's token must not be`);
  }
  if (!token && !isLoopback(match[1])) throw new ConfigError(`${flag} ${bind} is reachable from other hosts: give a token file (status_token_file, --status-token-file) or bind to 127.0.0.1`);
  return { host: match[1], port: Number(match[2]), token };
}
