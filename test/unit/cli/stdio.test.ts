// cli/stdio.ts writes straight to the descriptor until Node's stream for it
// exists, then through the stream. Each case runs a small real Node process
// that imports the compiled module, with its stdout a pipe or a FIFO.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, createReadStream, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { waitFor } from '../../helpers/zk-server.js';

const STDIO = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src/cli/stdio.js')).href;

/** A Node program that imports writeStdout, writeStderr and stdoutIsTerminal, then runs `body`. */
function program(body: string): string[] {
  return ['--input-type=module', '-e', `import { writeStdout, writeStderr, stdoutIsTerminal } from ${JSON.stringify(STDIO)};\n${body}`];
}

test('a line written by a command that never touches process.stdout does not load the net and stream modules', () => {
  const r = spawnSync(process.execPath, program("writeStdout('id\\n'); writeStderr('warning\\n'); writeStderr(`net=${process.moduleLoadList.includes('NativeModule net')}\\n`);"), { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'id\n');
  assert.equal(r.stderr, 'warning\nnet=false\n');
  // The check above can fail: the stream, once made, loads net.
  const made = spawnSync(process.execPath, program("process.stdout.write('id\\n'); writeStderr(`net=${process.moduleLoadList.includes('NativeModule net')}\\n`);"), { encoding: 'utf8' });
  assert.equal(made.stderr, 'net=true\n');
});

test('writes before, through and after the stream keep their order, console.log included', () => {
  const r = spawnSync(process.execPath, program("writeStdout('a\\n'); process.stdout.write('b\\n'); writeStdout('c\\n'); console.log('d'); writeStderr('e\\n'); console.error('f'); writeStderr('g\\n');"), { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'a\nb\nc\nd\n');
  assert.equal(r.stderr, 'e\nf\ng\n');
});

test('a non-blocking stdout that is full takes the rest through the stream, in order, nothing lost', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'zkjobs-stdio-'));
  try {
    const fifo = path.join(dir, 'out');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    // Read-write, so opening does not wait for a reader. libuv makes a
    // child's stdio blocking, so a launcher sets O_NONBLOCK on the open
    // file description, as another process sharing the pipe (a Node program
    // earlier in the same pipeline) leaves it, and then runs Node.
    const fd = openSync(fifo, constants.O_RDWR);
    const big = 'A'.repeat(300_000); // more than a pipe holds (64 KiB)
    const nonBlocking = 'import fcntl, os, sys; fcntl.fcntl(1, fcntl.F_SETFL, fcntl.fcntl(1, fcntl.F_GETFL) | os.O_NONBLOCK); os.execv(sys.argv[1], sys.argv[1:])';
    const node = [process.execPath, ...program(`writeStdout('A'.repeat(${big.length})); writeStdout('then C\\n'); writeStderr('written\\n');`)];
    const child = spawn('python3', ['-c', nonBlocking, ...node], { stdio: ['ignore', fd, 'pipe'] });
    closeSync(fd);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Nothing reads the FIFO until both writes have returned: the first
    // fills the pipe and the rest of it, and all of the second, wait in the stream.
    await waitFor('the child to return from its writes', () => stderr.includes('written') || /Error/.test(stderr), 15_000);
    assert.equal(stderr, 'written\n');
    let read = '';
    for await (const chunk of createReadStream(fifo, { encoding: 'utf8' })) read += chunk;
    assert.equal(await exited, 0, stderr);
    assert.equal(read.length, big.length + 'then C\n'.length);
    assert.ok(read === `${big}then C\n`, 'the output is the first write, then the second');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('stdout is a terminal only on a terminal, and a pipe or a file is told without making the stream', () => {
  const report = "writeStderr(`${stdoutIsTerminal()} net=${process.moduleLoadList.includes('NativeModule net')}\\n`);";
  const piped = spawnSync(process.execPath, program(report), { encoding: 'utf8' });
  assert.equal(piped.stderr, 'false net=false\n');
  const devNull = spawnSync(process.execPath, program(report), { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  assert.match(devNull.stderr, /^false /);
  // script(1) runs the program on a pseudo-terminal; its stderr is the terminal too.
  const command = [process.execPath, ...program(report)].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const onTerminal = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8' });
  assert.equal(onTerminal.status, 0, onTerminal.stderr);
  assert.match(onTerminal.stdout, /^true net=true\r?\n/);
});
