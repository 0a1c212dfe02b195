// The full output of each job, in SPOOL/<queue>/<seq>/{stdout,stderr}:
// what `zkjobc logs` follows and `zkjobc output` prints (the result record
// keeps only the tails). Files are made on the first byte, so a silent job
// costs nothing; each is capped, and old job directories are removed after
// the queue's retention.
//
// Output is private: files are 0600 in a 0700 job directory, both owned by
// the job's user when the job runs as another user than the daemon, so that
// only that user and the daemon read them. The spool and queue directories
// are the daemon's, 0711: others may pass through to their own job's
// directory but cannot list whose jobs ran. A job's user owns its directory,
// so it could plant a symlink where the daemon (root) is about to write:
// files are therefore created with O_EXCL|O_NOFOLLOW, never opened through
// whatever the path holds, and the endpoint reads them with O_NOFOLLOW.
import { chownSync, constants, createWriteStream, fchownSync, mkdirSync, openSync, readdirSync, rmSync, statSync, unlinkSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { formatSeq, type JobId } from '../job-id.js';
import { TRUNCATED_NOTE } from '../spool-note.js';

export type Stream = 'stdout' | 'stderr';

export function spoolFile(spoolDir: string, id: JobId, stream: Stream): string {
  return path.join(spoolDir, id.queue, formatSeq(id.seq), stream);
}

/** Who owns a job's spool files: the job's user, when it is not the daemon's. */
export interface SpoolOwner {
  uid: number;
  gid: number;
}

/** Create the job's file (0600, in its 0700 directory) for writing, owned by `owner`. */
function createSpoolFile(target: string, owner: SpoolOwner | null): number {
  const dir = path.dirname(target);
  mkdirSync(path.dirname(dir), { recursive: true, mode: 0o711 });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // The directory may be an earlier attempt's, run as another user.
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  let fd: number;
  try {
    fd = openSync(target, flags, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // An earlier attempt's file, or something the job put there: unlink removes the name, never what a link points to.
    unlinkSync(target);
    fd = openSync(target, flags, 0o600);
  }
  if (owner) fchownSync(fd, owner.uid, owner.gid);
  return fd;
}

/**
 * A sink that opens its file on the first write and stops at `cap` bytes.
 * An earlier attempt's file goes at once, not at this attempt's first
 * byte: until then the endpoint would serve the old output as the new
 * attempt's, and a follower would take the new file for its continuation.
 */
export function spoolSink(spoolDir: string, id: JobId, stream: Stream, cap: number, owner: SpoolOwner | null = null): Writable {
  discardEarlier(spoolFile(spoolDir, id, stream));
  let file: WriteStream | null = null;
  let written = 0;
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (written >= cap) return done();
      if (!file) {
        try {
          file = createWriteStream('', { fd: createSpoolFile(spoolFile(spoolDir, id, stream), owner) });
          file.on('error', () => undefined); // a full disk must not kill the daemon
        } catch {
          written = cap; // no spool: the result's tails are all there is
          return done();
        }
      }
      const part = chunk.subarray(0, cap - written);
      written += part.length;
      // The note comes last, where a reader (and follow-output.ts) looks for it.
      file.write(part);
      file.write(written >= cap ? Buffer.from(`${TRUNCATED_NOTE}${cap} bytes]\n`) : Buffer.alloc(0), () => done());
    },
    final(done) {
      if (file) file.end(done);
      else done();
    },
  });
}

/** Unlink removes the name, never what a link the job planted points to. */
function discardEarlier(target: string): void {
  try {
    unlinkSync(target);
  } catch {
    // None (the first attempt), or not ours to remove: createSpoolFile deals with it at the first byte.
  }
}

/** Remove job directories whose files are older than each queue's retention. */
export function pruneSpool(spoolDir: string, retentionMs: (queue: string) => number, now = Date.now()): number {
  let removed = 0;
  for (const queue of safeList(spoolDir)) {
    for (const seq of safeList(path.join(spoolDir, queue))) {
      const dir = path.join(spoolDir, queue, seq);
      try {
        if (now - statSync(dir).mtimeMs > retentionMs(queue)) {
          rmSync(dir, { recursive: true, force: true });
          removed++;
        }
      } catch {
        // Removed meanwhile.
      }
    }
  }
  return removed;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
