// Batch submit: one job per input line over one connection, with many
// requests in flight. Numbers are reserved a block at a time (one write per
// block) and handed out in line order, so FIFO follows the file and each
// job costs one create. Unused numbers of the last block are a harmless gap.
//
// Lines are checked as they are read. A bad line stops the batch: the jobs
// before it are submitted (their ids were printed), none after it is, and
// the error names the line, so nothing is half-submitted silently.
import type { Paths } from './zk/paths.js';
import type { ZkClient } from './zk/client.js';
import { createBucket, createJobSpec, reserveSequences } from './submit.js';
import { retry } from './zk/retry.js';
import { classBucket } from './zk/paths.js';
import { encodeJobSpec, requirementsOf } from './job-spec.js';
import { DataError } from './errors.js';
import { checkArgv, parseJobSpec, type JobSpec } from './job-spec.js';
import type { JobId } from './job-id.js';
import type { SpecSigner } from './submitter-key.js';
import { decodeJsonObject, stringArray } from './record.js';

/** Submissions in flight at once. */
const WINDOW = 512;
/** Numbers reserved per counter write. */
const BLOCK = 1_000;

/** A line is a JSON argv array, or a JSON spec object (argv and any other spec field). */
export function parseBatchLine(line: string, submitter: string): JobSpec {
  const base = { submittedAt: new Date().toISOString(), submitter };
  const trimmed = line.trim();
  if (trimmed.startsWith('[')) {
    const fields = decodeJsonObject(Buffer.from(`{"argv":${trimmed}}`), 'line', 512 * 1024);
    const argv = stringArray(fields, 'argv', 'line');
    checkArgv(argv);
    return { argv, ...base };
  }
  const fields = decodeJsonObject(Buffer.from(trimmed), 'line', 512 * 1024);
  if ('submittedAt' in fields || 'submitter' in fields || 'signature' in fields) throw new DataError('line may not set submittedAt, submitter or signature');
  return parseJobSpec(Buffer.from(JSON.stringify({ ...fields, ...base })));
}

export async function submitBatch(
  zk: ZkClient,
  paths: Paths,
  queue: string,
  lines: AsyncIterable<string>,
  onSubmitted: (id: JobId) => void,
  submitter: string,
  sign?: SpecSigner,
): Promise<number> {
  const inFlight: Promise<JobId>[] = [];
  const numbers = new NumberBlocks(zk, paths, queue);
  let count = 0;
  let lineNo = 0;
  const drainOne = async () => {
    onSubmitted(await inFlight.shift()!);
    count++;
  };
  try {
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
      let spec: JobSpec;
      try {
        spec = parseBatchLine(line, submitter);
      } catch (err) {
        throw new DataError(`line ${lineNo}: ${(err as Error).message}; nothing from this line on was submitted`);
      }
      const unsigned = encodeJobSpec(spec); // checked before it takes a number
      const id = { queue, seq: await numbers.next() };
      await numbers.ensureBucket(classBucket(id.seq, requirementsOf(spec)));
      const data = sign ? encodeJobSpec(sign(id, spec)) : unsigned;
      const submission = createJobSpec(zk, paths, id, data, requirementsOf(spec)).then(() => id);
      submission.catch(() => undefined); // awaited in order below
      inFlight.push(submission);
      if (inFlight.length >= WINDOW) await drainOne();
    }
  } finally {
    while (inFlight.length > 0) await drainOne();
  }
  return count;
}

/** Hands out reserved numbers in order, reserving a new block when one runs out. */
class NumberBlocks {
  private nextSeq = 0;
  private end = -1;
  private buckets = new Set<string>();

  constructor(
    private readonly zk: ZkClient,
    private readonly paths: Paths,
    private readonly queue: string,
  ) {}

  async next(): Promise<number> {
    if (this.nextSeq > this.end) {
      this.nextSeq = await reserveSequences(this.zk, this.paths, this.queue, BLOCK);
      this.end = this.nextSeq + BLOCK - 1;
    }
    return this.nextSeq++;
  }

  /**
   * Make a job's bucket (that of its class, placement.ts) before hundreds of
   * creates would each find it missing. Only buckets that get a job: an
   * empty plain bucket beside 100,000 gpu jobs would be listed by every
   * untagged node until reaped (never, for a container never used).
   */
  async ensureBucket(bucket: string): Promise<void> {
    if (this.buckets.has(bucket)) return;
    await retry(() => createBucket(this.zk, this.paths, this.queue, this.paths.pendingBucket(this.queue, bucket)));
    this.buckets.add(bucket);
  }
}
