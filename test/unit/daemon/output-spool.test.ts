import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { spoolFile, spoolSink } from '../../../src/daemon/output-spool.js';
import { HttpEndpoint } from '../../../src/daemon/http-endpoint.js';

const id = { queue: 'q', seq: 3 };

function write(sink: ReturnType<typeof spoolSink>, text: string): Promise<void> {
  return new Promise((resolve) => sink.end(Buffer.from(text), () => resolve()));
}

test('spool files are 0600 in a 0700 job directory under 0711 parents', async () => {
  const spool = path.join(mkdtempSync(path.join(os.tmpdir(), 'zkjobs-spool-unit-')), 'spool');
  await write(spoolSink(spool, id, 'stdout', 1024), 'hello\n');
  const file = spoolFile(spool, id, 'stdout');
  assert.equal(readFileSync(file, 'utf8'), 'hello\n');
  assert.equal((statSync(file).mode & 0o777).toString(8), '600');
  assert.equal((statSync(path.dirname(file)).mode & 0o777).toString(8), '700');
  assert.equal((statSync(path.join(spool, 'q')).mode & 0o777).toString(8), '711');
  assert.equal((statSync(spool).mode & 0o777).toString(8), '711');
});

test("a link planted where the spool file goes is replaced, never written through", async () => {
  const spool = mkdtempSync(path.join(os.tmpdir(), 'zkjobs-spool-unit-'));
  const victim = path.join(spool, 'victim');
  writeFileSync(victim, 'precious\n');
  const file = spoolFile(spool, id, 'stderr');
  mkdirSync(path.dirname(file), { recursive: true });
  symlinkSync(victim, file);
  await write(spoolSink(spool, id, 'stderr', 1024), 'output\n');
  assert.equal(readFileSync(victim, 'utf8'), 'precious\n', 'the link target is untouched');
  assert.ok(lstatSync(file).isFile(), 'the spool file is a plain file now');
  assert.equal(readFileSync(file, 'utf8'), 'output\n');
});

test('the output endpoint serves no file through a link in the spool', async () => {
  const spool = mkdtempSync(path.join(os.tmpdir(), 'zkjobs-spool-unit-'));
  const secret = path.join(spool, 'secret');
  writeFileSync(secret, 'root only\n');
  const file = spoolFile(spool, id, 'stdout');
  mkdirSync(path.dirname(file), { recursive: true });
  symlinkSync(secret, file);
  const endpoint = new HttpEndpoint({ host: '127.0.0.1', port: 0, token: null }, spool, () => false);
  const port = await endpoint.start();
  try {
    const body = await new Promise<string>((resolve, reject) => {
      http.get(`http://127.0.0.1:${port}/jobs/q/0000000003/stdout`, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve(text));
      }).on('error', reject);
    });
    assert.equal(body, '', 'nothing of the link target is served');
  } finally {
    endpoint.stop();
  }
});
