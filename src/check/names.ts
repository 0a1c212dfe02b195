// Which znode names zkjobs writes, exactly. Anything else found in a queue
// was written by someone else (by hand, by a buggy tool, by a hostile
// client with write access) and is a finding, never a job, claim or slot.
//
// A job name is its sequence number padded to ten digits (formatSeq); a
// bucket name is the padded number of the first job it holds, a multiple of
// BUCKET_SIZE; a slot name is a plain decimal below MAX_RUNNING_LIMIT.
// "1" or "01" beside "0000000001" parse as the same number but are not
// names zkjobs writes: they are aliases, and must not count as the job.
import { formatSeq } from '../job-id.js';
import { BUCKET_SIZE, bucketOf } from '../zk/paths.js';
import { MAX_RUNNING_LIMIT } from '../queue.js';

/** The largest sequence number a ten-digit name can hold. */
export const MAX_SEQ = 9_999_999_999;

/** The job number of a name exactly as zkjobs writes it, else null. */
export function exactSeq(name: string): number | null {
  if (!/^\d{10}$/.test(name)) return null;
  return Number(name);
}

/** The number an all-digit name stands for when it is not written as zkjobs would ("1", "01", "00000000001"). */
export function aliasSeq(name: string): number | null {
  if (!/^\d{1,15}$/.test(name) || exactSeq(name) !== null) return null;
  const seq = Number(name);
  return seq <= MAX_SEQ ? seq : null;
}

/** The first job number of a bucket named exactly as zkjobs names buckets, else null. */
export function exactBucket(name: string): number | null {
  const first = exactSeq(name);
  return first !== null && first % BUCKET_SIZE === 0 ? first : null;
}

/** Is `seq` in the bucket named `bucket`? */
export function inBucket(seq: number, bucket: string): boolean {
  return bucketOf(seq) === bucket;
}

/** A run slot's number, for names zkjobs writes ("0" … "9999"), else null. */
export function exactSlot(name: string): number | null {
  if (!/^(0|[1-9]\d{0,4})$/.test(name)) return null;
  const k = Number(name);
  return k < MAX_RUNNING_LIMIT ? k : null;
}

/** What a name in a bucket (or under claims/, cancels/) is. */
export type JobName = { kind: 'exact'; seq: number } | { kind: 'alias'; seq: number } | { kind: 'foreign' };

export function classifyJobName(name: string): JobName {
  const seq = exactSeq(name);
  if (seq !== null) return { kind: 'exact', seq };
  const alias = aliasSeq(name);
  return alias !== null ? { kind: 'alias', seq: alias } : { kind: 'foreign' };
}

export { formatSeq };
