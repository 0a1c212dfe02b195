import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkIdentity, counterAcl, digestId, grant, isOpenAcl, jobsAcl, lockAcl, slotsAcl, splitIdentities } from '../../src/acl.js';
import { nodesAcl, parseFleetAccess } from '../../src/fleet-access.js';
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

test('locks (claims, slots, node records): daemons and admins change them, everyone else only reads', () => {
  const perms = (acl: { auth: string; perms: number }[], who: string) => acl.filter((e) => e.auth === who).reduce((p, e) => p | e.perms, 0);
  const lock = lockAcl(['d:x', 'both:x'], ['a:x', 'both:x']);
  assert.equal(perms(lock, 'd:x'), PERM.ALL);
  assert.equal(perms(lock, 'a:x'), PERM.ALL);
  assert.equal(lock.filter((e) => e.auth === 'both:x').length, 1, 'an identity that is both is granted once');
  assert.equal(perms(lock, 'anyone'), PERM.READ);
  assert.equal(isOpenAcl(lock), false);
  // A restricted queue's slots: submitters may not create them.
  const a = { submitters: ['s:x'], admins: ['a:x'], daemons: ['d:x'] };
  assert.equal(perms(slotsAcl(a), 's:x'), 0);
  assert.ok(perms(slotsAcl(a), 'd:x') & PERM.CREATE);
});

test('an ACL is open when anyone may do more than read', () => {
  assert.equal(isOpenAcl([{ perms: PERM.ALL, scheme: 'world', auth: 'anyone' }]), true);
  assert.equal(isOpenAcl([{ perms: PERM.READ | PERM.ADMIN, scheme: 'world', auth: 'anyone' }]), true);
  assert.equal(isOpenAcl([{ perms: PERM.READ, scheme: 'world', auth: 'anyone' }, { perms: PERM.ALL, scheme: 'digest', auth: 'd:x' }]), false);
});

test('the fleet access record: daemons and admins, nothing else', () => {
  assert.deepEqual(parseFleetAccess(Buffer.from('{"daemons":["d:x"],"admins":["a:x"]}')), { daemons: ['d:x'], admins: ['a:x'] });
  assert.throws(() => parseFleetAccess(Buffer.from('{"daemons":["d:x"],"admins":["a:x"],"submitters":[]}')), /submitters/);
  assert.throws(() => parseFleetAccess(Buffer.from('{"daemons":"d:x","admins":[]}')), /daemons/);
  const nodes = nodesAcl({ daemons: ['d:x'], admins: ['a:x'] });
  assert.equal(nodes.find((e) => e.auth === 'd:x')!.perms & PERM.WRITE, 0, 'daemons add and remove records, not rewrite the parent');
  assert.equal(isOpenAcl(nodes), false);
});

test('x509 identities: a certificate subject, commas and all, in the x509 scheme', () => {
  const d = digestId('alice:pw');
  assert.deepEqual(splitIdentities(`x509:CN=worker,O=example, ${d},x509:CN=other`), ['x509:CN=worker,O=example', d, 'x509:CN=other']);
  assert.deepEqual(grant(['x509:CN=worker,O=example', d], PERM.READ), [
    { perms: PERM.READ, scheme: 'x509', auth: 'CN=worker,O=example' },
    { perms: PERM.READ, scheme: 'digest', auth: d },
  ]);
  assert.throws(() => splitIdentities('x509:'), /expected x509:SUBJECT/);
  assert.throws(() => splitIdentities('alice:pw'), /invalid identity 'alice:pw'/);
});
