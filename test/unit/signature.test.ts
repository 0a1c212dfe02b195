import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { canonicalJson, signFields, verifyFields } from '../../src/signature.js';
import { parseAuthorizedSubmitters, verifySubmitter } from '../../src/authorized-submitters.js';
import { specSigner } from '../../src/submitter-key.js';
import { encodeJobSpec, parseJobSpec } from '../../src/job-spec.js';

const id = { queue: 'q', seq: 7 };

test('canonical JSON sorts keys at every level and drops undefined', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [1, { z: 0, y: 'x' }], c: undefined } }), '{"a":{"d":[1,{"y":"x","z":0}]},"b":1}');
});

test('a signature holds for its fields and job id only', () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const fields = { argv: ['true'], submittedAt: 'now' };
  const sig = signFields('spec', id, fields, privateKey);
  assert.equal(verifyFields('spec', id, { ...fields, signature: sig }, sig), true);
  assert.equal(verifyFields('spec', { queue: 'q', seq: 8 }, fields, sig), false, 'another job number');
  assert.equal(verifyFields('spec', { queue: 'r', seq: 7 }, fields, sig), false, 'another queue');
  assert.equal(verifyFields('spec', id, { ...fields, argv: ['false'] }, sig), false, 'altered field');
  assert.equal(verifyFields('spec', id, { ...fields, env: { A: 'b' } }, sig), false, 'added field');
  assert.equal(verifyFields('result', id, fields, sig), false, 'another kind of record');
  assert.equal(verifyFields('spec', id, fields, { ...sig, key: 'garbage' }), false, 'a malformed key is no key');
});

test('a signed spec survives encoding and parsing, and verifies from its bytes', () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const signed = specSigner(privateKey)(id, { argv: ['echo', 'hi'], submittedAt: '2026-12-01T00:00:00Z', env: { B: '1', A: '2' } });
  const data = encodeJobSpec(signed);
  assert.deepEqual(parseJobSpec(data).signature, signed.signature);
  const authorized = parseAuthorizedSubmitters(`alice zkjobs-ed25519 ${signed.signature!.key} alice@host\n`, 'f');
  assert.deepEqual(verifySubmitter(data, id, authorized), { user: 'alice' });
  assert.match(JSON.stringify(verifySubmitter(data, { queue: 'q', seq: 9 }, authorized)), /does not match this job/);
  assert.match(JSON.stringify(verifySubmitter(encodeJobSpec({ argv: ['true'], submittedAt: 'x' }), id, authorized)), /not signed/);
  assert.match(JSON.stringify(verifySubmitter(data, id, parseAuthorizedSubmitters('', 'f'))), /is not in f/);
});

test('authorized_submitters: comments and blank lines, and bad lines named by file:line', () => {
  const { publicKey } = generateKeyPairSync('ed25519');
  const key = publicKey.export({ type: 'spki', format: 'der' }).subarray(12).toString('base64');
  assert.equal(parseAuthorizedSubmitters(`# c\n\nbob zkjobs-ed25519 ${key}\n`, 'f').users.get(key), 'bob');
  assert.throws(() => parseAuthorizedSubmitters(`bob ssh-ed25519 ${key}\n`, 'f'), /^DataError: f:1: expected 'USER zkjobs-ed25519 KEY/);
  assert.throws(() => parseAuthorizedSubmitters(`\nbob zkjobs-ed25519 AAAA\n`, 'f'), /f:2: not an Ed25519 public key/);
  assert.throws(() => parseAuthorizedSubmitters(`b/b zkjobs-ed25519 ${key}\n`, 'f'), /f:1: 'b\/b' is not an account name/);
  assert.throws(() => parseJobSpec(Buffer.from('{"argv":["x"],"submittedAt":"t","signature":{"key":1}}')), /"signature" must hold/);
});
