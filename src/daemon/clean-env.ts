// The part of the daemon's own environment a job may see: an allow-list,
// not a deny-list, because the daemon's environment holds its secrets
// (ZKJOBS_ZK_AUTH, any ZKJOBS_* setting, NOTIFY_SOCKET, whatever systemd or
// an operator's shell put there) and a new one must not leak by default.
// Everything else a job sees is its own --env and the ZKJOBS_* variables
// that describe the job (execution.ts).

/** Copied from the daemon's environment when set: locale, time zone, search path. */
const ALLOWED = ['PATH', 'LANG', 'LANGUAGE', 'TZ', 'TMPDIR'];
/** Also copied: every locale category (LC_ALL, LC_CTYPE…). */
const ALLOWED_PREFIX = 'LC_';
/** Who the daemon is: copied only when the job runs as the daemon's own user. */
const OWN_IDENTITY = ['HOME', 'USER', 'LOGNAME', 'SHELL'];
/** systemd's default search path, for a daemon started without PATH. */
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function cleanEnvironment(daemonEnv: NodeJS.ProcessEnv, sameUser: boolean): Record<string, string> {
  const env: Record<string, string> = {};
  const names = sameUser ? [...ALLOWED, ...OWN_IDENTITY] : ALLOWED;
  for (const [name, value] of Object.entries(daemonEnv)) {
    if (value === undefined) continue;
    if (names.includes(name) || name.startsWith(ALLOWED_PREFIX)) env[name] = value;
  }
  env.PATH ??= DEFAULT_PATH;
  return env;
}
