// The programs' stdout and stderr. A command that prints one line — an id
// from `zkjobc submit`, a status — wrote it through process.stdout, and
// Node makes that stream on first use: for a pipe, a net.Socket, which
// loads net and the streams. That cost more than a submit's own work with
// ZooKeeper (about 7 ms of CPU per run, a tenth of a bare `node -e 0`;
// docs/speed.md).
//
// So text goes straight to the file descriptor with fs.writeSync: what
// Node's stream does too for a file, a terminal or a blocking pipe on
// Linux, where its writes are synchronous. The stream is still there for
// whoever asks for it (streaming a job's output, a redrawn list, yargs,
// readline), and from the moment it has been made, every write to that
// descriptor goes through it: a stream may hold data back (on a
// non-blocking pipe that is full), and a write of ours must never overtake
// it. A descriptor that refuses a write (EAGAIN, EPIPE, closed) hands the
// rest to the stream as well, which then does what Node always did with it.
import { fstatSync, writeSync } from 'node:fs';

type Fd = 1 | 2;
const streamMade: Record<Fd, boolean> = { 1: false, 2: false };

/**
 * Notes the first use of process.stdout and process.stderr, by anyone,
 * through the getters Node defines for them (configurable, so they can be
 * wrapped; the stream is still made and kept by Node's own getter).
 */
function watchStreamCreation(name: 'stdout' | 'stderr', fd: Fd): void {
  const own = Object.getOwnPropertyDescriptor(process, name);
  if (!own?.get || !own.configurable) {
    streamMade[fd] = true; // not Node's lazy getter: always use the stream
    return;
  }
  const make = own.get;
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: own.enumerable,
    get() {
      streamMade[fd] = true;
      return make.call(process);
    },
  });
}

watchStreamCreation('stdout', 1);
watchStreamCreation('stderr', 2);

function write(fd: Fd, text: string | Uint8Array): void {
  if (!streamMade[fd]) {
    const bytes = typeof text === 'string' ? Buffer.from(text) : text;
    let done = 0;
    try {
      while (done < bytes.length) {
        const n = writeSync(fd, bytes, done, bytes.length - done);
        if (n <= 0) throw new Error('no progress');
        done += n;
      }
      return;
    } catch {
      text = bytes.subarray(done);
    }
  }
  (fd === 1 ? process.stdout : process.stderr).write(text);
}

/** Write to stdout: data (ids, tables, JSON). */
export function writeStdout(text: string | Uint8Array): void {
  write(1, text);
}

/** Write to stderr: diagnostics. */
export function writeStderr(text: string | Uint8Array): void {
  write(2, text);
}

/**
 * Whether stdout is a terminal. A pipe or a file never is, and fstat says
 * so without making the stream; only a character device (a terminal, or
 * /dev/null) is asked the stream's isTTY.
 */
export function stdoutIsTerminal(): boolean {
  try {
    if (!fstatSync(1).isCharacterDevice()) return false;
  } catch {
    return false; // no stdout at all
  }
  return process.stdout.isTTY === true;
}
