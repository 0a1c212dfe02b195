// Real unprivileged accounts for tests that switch users (the suite runs as
// root, as CI does). Names are unique per test run, so that concurrent runs
// on one machine never share or remove each other's accounts.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface TestUser {
  name: string;
  uid: number;
  gid: number;
}

let made = 0;

/** useradd --system a fresh account with its own group and no home. */
export function createUser(prefix: string): TestUser {
  const name = `${prefix}${process.pid}x${++made}`.slice(0, 31);
  execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', name], { stdio: ['ignore', 'ignore', 'pipe'] });
  const entry = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`))!.split(':');
  return { name, uid: Number(entry[2]), gid: Number(entry[3]) };
}

/** userdel, ignoring an account that is already gone. */
export function removeUser(user: TestUser | undefined): void {
  if (!user) return;
  try {
    execFileSync('userdel', [user.name], { stdio: 'ignore' });
  } catch {
    // Already removed.
  }
}

export function userExists(name: string): boolean {
  return readFileSync('/etc/passwd', 'utf8').split('\n').some((l) => l.startsWith(`${name}:`));
}

export const isRoot = process.getuid?.() === 0;
