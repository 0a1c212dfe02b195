import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { nodeRecordDistrust, parseAuthorizedDaemons } from '../../src/authorized-daemons.js';
import { nodeKeyLine, nodeRecordSigner } from '../../src/node-key.js';
import { describeThisNode } from '../../src/node-registry.js';
import { encodeNodeRecord, parseNodeRecord } from '../../src/node-record.js';

const keyA = generateKeyPairSync('ed25519').privateKey;
const keyB = generateKeyPairSync('ed25519').privateKey;
const trust = parseAuthorizedDaemons(`${nodeKeyLine('a', keyA)}\n${nodeKeyLine('b', keyB)}\n`, 'authorized_daemons');
const record = describeThisNode(2, ['default'], [], new Date().toISOString(), '10.0.0.1:7781');

test("a node record signed by that node's key is followed, and survives encoding and parsing", () => {
  const data = encodeNodeRecord(nodeRecordSigner(keyA, 'a')(record));
  assert.equal(nodeRecordDistrust(data, 'a', trust, true), null);
  assert.equal(parseNodeRecord(data).http, '10.0.0.1:7781');
});

test('an altered, unsigned, or other node\'s record is not followed', () => {
  const signed = nodeRecordSigner(keyA, 'a')(record);
  assert.match(nodeRecordDistrust(encodeNodeRecord({ ...signed, http: '6.6.6.6:80' }), 'a', trust, true)!, /does not match/);
  assert.match(nodeRecordDistrust(encodeNodeRecord(record), 'a', trust, false)!, /not signed/);
  // b's genuine record copied to a's name: b's key, not a's.
  assert.match(nodeRecordDistrust(encodeNodeRecord(nodeRecordSigner(keyB, 'b')(record)), 'a', trust, true)!, /signed by b's key/);
  const stranger = generateKeyPairSync('ed25519').privateKey;
  assert.match(nodeRecordDistrust(encodeNodeRecord(nodeRecordSigner(stranger, 'a')(record)), 'a', trust, true)!, /not in authorized_daemons/);
});

test('without a trust file, a record is followed only when no token goes with the request', () => {
  assert.equal(nodeRecordDistrust(encodeNodeRecord(record), 'a', null, false), null);
  assert.match(nodeRecordDistrust(encodeNodeRecord(record), 'a', null, true)!, /cannot be verified without an authorized_daemons file/);
});
