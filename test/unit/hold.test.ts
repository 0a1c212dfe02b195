import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyOps } from '../../src/hold.js';
import { parsePendingBucket } from '../../src/zk/paths.js';
import type { SpecCopy } from '../../src/pending-spec.js';
import type { Stat } from '../../src/zk/client.js';

const spec = Buffer.from('{"argv":["true"],"submittedAt":"2026-12-01T00:00:00Z"}');

function copy(name: string, version: number, data = spec): SpecCopy {
  const bucket = parsePendingBucket(name)!;
  return { path: `/q/pending/${name}/0000000007`, data, stat: { version } as Stat, held: bucket.requirements.held === true, name, bucket };
}

test('a copy of a never-run spec is one create with its bytes', () => {
  assert.deepEqual(copyOps('/t', copy('0000000000', 0), null, undefined), [{ op: 'create', path: '/t', data: spec, acl: undefined }]);
});

test('the copy reaches the source\'s version (the attempt count); only the last write carries the bytes', () => {
  const ops = copyOps('/t', copy('0000000000', 3), null, undefined);
  assert.deepEqual(ops.map((o) => [o.op, 'version' in o ? o.version : null, 'data' in o ? String(o.data).length : null]), [
    ['create', null, 0], ['set', 0, 0], ['set', 1, 0], ['set', 2, spec.length],
  ]);
});

test('a copy left by a move cut short is brought up to the source, or rewritten once if it differs', () => {
  const stale = Buffer.from('{"argv":["false"],"submittedAt":"2026-12-01T00:00:00Z"}');
  assert.deepEqual(copyOps('/t', copy('0000000000', 2), copy('0000000000~h', 1, stale), undefined), [{ op: 'set', path: '/t', data: spec, version: 1 }]);
  assert.deepEqual(copyOps('/t', copy('0000000000', 1), copy('0000000000~h', 1), undefined), []);
  assert.deepEqual(copyOps('/t', copy('0000000000', 0), copy('0000000000~h', 2, stale), undefined), [{ op: 'set', path: '/t', data: spec, version: 2 }]);
});
