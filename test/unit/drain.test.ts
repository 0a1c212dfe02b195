import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newDrainRequest, parseDrainRequest, readDrainData } from '../../src/drain.js';
import { encodeJson } from '../../src/record.js';
import { placeOf } from '../../src/zk/paths.js';

test('a drain request round-trips, with or without a reason', () => {
  const request = newDrainRequest('disk swap');
  assert.match(request.by, /^\S+@\S+$/);
  assert.deepEqual(parseDrainRequest(encodeJson(request)), request);
  const bare = newDrainRequest();
  assert.equal('reason' in bare, false);
  assert.deepEqual(parseDrainRequest(encodeJson(bare)), bare);
});

test('a request zkjobs cannot read still drains: its data becomes a problem, never a throw', () => {
  for (const data of [Buffer.alloc(0), Buffer.from([0x7b, 0xff, 0x00]), Buffer.from('[]'), encodeJson({ by: 1, at: 'x' }), encodeJson({ by: 'a', at: 'b', extra: true }), Buffer.alloc(8192, 0x20)]) {
    const drain = readDrainData(data);
    assert.equal(drain.request, null, data.toString('latin1').slice(0, 20));
    assert.ok(drain.problem && drain.problem.length > 0);
  }
  assert.deepEqual(readDrainData(null, 'not readable by this daemon'), { request: null, problem: 'not readable by this daemon' });
});

test('refusals on drains name the node, not the path', () => {
  assert.deepEqual(placeOf('/zkjobs/drains/n7'), { drain: 'n7' });
  assert.deepEqual(placeOf('/zkjobs/drains'), { drain: '' });
  assert.deepEqual(placeOf('/zkjobs/nodes/n7'), { node: 'n7' });
});
