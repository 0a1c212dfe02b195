// Which znode names zkjobs writes, exactly (the predicates are the
// protocol's: parseSeq, parseBucket, parseSeqInBucket). Anything else found
// in a queue was written by someone else (by hand, by a buggy tool, by a
// hostile client with write access) and is a finding, never a job, claim
// or slot. What this file adds is telling the kinds of stranger apart for
// the report: "1" or "01" beside "0000000001" is an alias of job 1, other
// names are foreign.
import { MAX_SEQ, formatSeq, parseSeq } from '../job-id.js';
import { parseBucket } from '../zk/paths.js';
import { MAX_RUNNING_LIMIT } from '../queue.js';

export { MAX_SEQ, formatSeq };

/** The job number of a name exactly as zkjobs writes it, else null. */
export const exactSeq = parseSeq;

/** The first job number of a bucket named exactly as zkjobs names buckets, else null. */
export const exactBucket = parseBucket;

/** The number an all-digit name stands for when it is not written as zkjobs would ("1", "01", "00000000001"). */
export function aliasSeq(name: string): number | null {
  if (!/^\d{1,15}$/.test(name) || exactSeq(name) !== null) return null;
  const seq = Number(name);
  return seq <= MAX_SEQ ? seq : null;
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
