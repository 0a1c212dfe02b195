import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkIdentity, counterAcl, digestId, jobsAcl } from '../../src/acl.js';
import { PERM } from '../../src/zk/client.js';

test("digest ids are ZooKeeper's: user:base64(sha1(user:password))", () => {
  // Reference value from ZooKeeper's DigestAuthenticationProvider for super:test.
  assert.equal(digestId('super:test'), 'super:D/InIHSb7yEEbrWz8b9l71RjZJU=');
  assert.equal(checkIdentity(digestId('alice:pw')), digestId('alice:pw'));
  assert.throws(() => checkIdentity('alice:pw'), /invalid identity/);
  assert.throws(() => digestId('nocolon'), /USER:PASSWORD/);
});

test('submitters take numbers and create jobs; only admins and daemons delete', () => {
  const a = { submitters: ['s:x'], admins: ['a:x'], daemons: ['d:x'] };
  const perms = (acl: { auth: string; perms: number }[], who: string) => acl.find((e) => e.auth === who)?.perms ?? 0;
  assert.ok(perms(counterAcl(a), 's:x') & PERM.WRITE);
  assert.equal(perms(jobsAcl(a), 's:x') & PERM.DELETE, 0);
  assert.ok(perms(jobsAcl(a), 'd:x') & PERM.DELETE);
  assert.equal(perms(jobsAcl(a), 'a:x'), PERM.ALL);
  assert.equal(perms(jobsAcl(a), 'anyone'), PERM.READ);
});
