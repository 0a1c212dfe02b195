// The full output of each job, in SPOOL/<queue>/<seq>/{stdout,stderr}:
// what `zkjobc logs` follows and `zkjobc output` prints (the result record
// keeps only the tails). Files are made on the first byte, so a silent job
// costs nothing; each is capped, and old job directories are removed after
// the queue's retention.
import { createWriteStream, mkdirSync, readdirSync, rmSync, statSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { formatSeq, type JobId } from '../job-id.js';

export type Stream = 'stdout' | 'stderr';

export function spoolFile(spoolDir: string, id: JobId, stream: Stream): string {
  return path.join(spoolDir, id.queue, formatSeq(id.seq), stream);
}

/** A sink that opens its file on the first write and stops at `cap` bytes. */
export function spoolSink(spoolDir: string, id: JobId, stream: Stream, cap: number): Writable {
  let file: WriteStream | null = null;
  let written = 0;
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (written >= cap) return done();
      if (!file) {
        try {
          const target = spoolFile(spoolDir, id, stream);
          mkdirSync(path.dirname(target), { recursive: true });
          file = createWriteStream(target);
          file.on('error', () => undefined); // a full disk must not kill the daemon
        } catch {
          written = cap; // no spool: the result's tails are all there is
          return done();
        }
      }
      const part = chunk.subarray(0, cap - written);
      written += part.length;
      if (written >= cap) file.write(Buffer.from(`\n[zkjobs: output truncated at ${cap} bytes]\n`));
      file.write(part, () => done());
    },
    final(done) {
      if (file) file.end(done);
      else done();
    },
  });
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
