import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TailBuffer } from '../../../src/daemon/tail-buffer.js';

test('keeps only the last bytes, across chunk boundaries', () => {
  const tail = new TailBuffer(10);
  for (let i = 0; i < 100; i++) tail.push(Buffer.from(`${i % 10}`));
  assert.equal(tail.text(), '0123456789');
  tail.push(Buffer.from('abcdefghijklmnop'));
  assert.equal(tail.text(), 'ghijklmnop');
});

test('a character cut at the start becomes a replacement character', () => {
  const tail = new TailBuffer(3);
  tail.push(Buffer.from('aé€')); // é is 2 bytes, € is 3
  assert.equal(tail.text(), '€');
  const cut = new TailBuffer(4);
  cut.push(Buffer.from('é€'));
  assert.equal(cut.text(), '\uFFFD€');
});
