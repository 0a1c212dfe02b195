// The uid and gid of a configured run-as user, from /etc/passwd and
// /etc/group (Node has no getpwnam). Read when a job starts, so that a new
// user is seen without a restart.
import { readFileSync } from 'node:fs';
import type { RunAs } from './queue-policy.js';

export interface Identity {
  uid: number;
  gid: number;
  user: string;
  home: string;
}

function entries(file: string): string[][] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
}

/** Throws an Error naming the user or group that does not exist. */
export function resolveIdentity(runAs: RunAs): Identity {
  const user = entries('/etc/passwd').find((e) => e[0] === runAs.user || e[2] === runAs.user);
  if (!user) throw new Error(`run-as user '${runAs.user}' does not exist`);
  let gid = Number(user[3]);
  if (runAs.group !== undefined) {
    const group = entries('/etc/group').find((e) => e[0] === runAs.group || e[2] === runAs.group);
    if (!group) throw new Error(`run-as group '${runAs.group}' does not exist`);
    gid = Number(group[2]);
  }
  return { uid: Number(user[2]), gid, user: user[0], home: user[5] };
}
