// Every znode path of the protocol is built here and nowhere else.
//
//   ROOT/queues/<q>                      queue config (JSON)
//   ROOT/queues/<q>/seq                  sequence counter: its data version is the last job number
//   ROOT/queues/<q>/pending/<b>/<seq>    job spec until the job is finished (containers per bucket)
//   ROOT/queues/<q>/pending/<b>~<class>/<seq>  the same for a job with requirements (placement.ts)
//   ROOT/queues/<q>/pending/<b>~h[~<class>]/<seq>  a held job (zkjobq hold, hold.ts): no node is eligible
//   ROOT/queues/<q>/claims/<seq>         ephemeral: the node running it
//   ROOT/queues/<q>/results/<b>/<seq>    terminal result (containers per bucket)
//   ROOT/queues/<q>/cancels/<seq>        request to cancel a running job
//   ROOT/queues/<q>/access               a restricted queue's identities (readable by them only)
//   ROOT/queues/<q>/slots/<k>            ephemeral: one of the queue's max_running run slots (run-slots.ts)
//   ROOT/nodes/<node-id>                 ephemeral node record
//   ROOT/drains/<node-id>                persistent: an operator's request that the node claim nothing (drain.ts)
//   ROOT/access                          the fleet's daemon and admin identities (fleet-access.ts)
//
// Buckets keep every getChildren reply small whatever the queue depth: a
// bucket holds BUCKET_SIZE consecutive sequence numbers, so a 1,000,000-deep
// queue is 100 buckets of at most 10,000 names each.
import { formatSeq, parseSeq } from '../job-id.js';
import { encodeClass, parseClass, withHold, type Requirements } from '../placement.js';

export const BUCKET_SIZE = 10_000;

export function bucketOf(seq: number): string {
  return formatSeq(Math.floor(seq / BUCKET_SIZE) * BUCKET_SIZE);
}

/** A bucket's first job number from its name, or null for a name zkjobs never gives a bucket. */
export function parseBucket(name: string): number | null {
  const first = parseSeq(name);
  return first !== null && first % BUCKET_SIZE === 0 ? first : null;
}

/** The pending bucket of a job with these requirements: `<first>` without any, `<first>~<class>` with some. */
export function classBucket(seq: number, requirements: Requirements | null): string {
  const cls = requirements ? encodeClass(requirements) : '';
  return cls === '' ? bucketOf(seq) : `${bucketOf(seq)}~${cls}`;
}

/** The bucket of the same range and class, held or not: where zkjobq hold and release move a spec. */
export function heldTwin(bucket: PendingBucket, held: boolean): string {
  const cls = encodeClass(withHold(bucket.requirements, held));
  return cls === '' ? formatSeq(bucket.first) : `${formatSeq(bucket.first)}~${cls}`;
}

export interface PendingBucket {
  first: number;
  /** The class text ('' for a plain bucket) and what it requires. */
  cls: string;
  requirements: Requirements;
}

/**
 * A pending bucket's first number and class, or null for a name zkjobs never
 * gives one (the class must be exactly as placement.ts writes it).
 */
export function parsePendingBucket(name: string): PendingBucket | null {
  const tilde = name.indexOf('~');
  const first = parseBucket(tilde < 0 ? name : name.slice(0, tilde));
  if (first === null) return null;
  const cls = tilde < 0 ? '' : name.slice(tilde + 1);
  if (tilde >= 0 && cls === '') return null;
  const requirements = parseClass(cls);
  return requirements ? { first, cls, requirements } : null;
}

/**
 * The job number of `name` listed under `bucket`, or null unless it is
 * exactly the name zkjobs writes there: a number filed under another
 * bucket is not at the path every reader builds for it (never run, listed
 * twice), so it is nobody's job.
 */
export function parseSeqInBucket(bucket: string, name: string): number | null {
  const seq = parseSeq(name);
  const tilde = bucket.indexOf('~');
  return seq !== null && bucketOf(seq) === (tilde < 0 ? bucket : bucket.slice(0, tilde)) ? seq : null;
}

/** Where a znode path points within an installation: a queue and which of its parts, a node record, a node's drain request (or their parent, drain ''), or elsewhere. */
export type Place = { queue: string; part: string | null } | { node: string } | { drain: string } | null;

/** The place of an absolute path under any root (the last `queues/<q>`, `nodes/<id>` or `drains[/<id>]` in it). */
export function placeOf(path: string): Place {
  const queue = /\/queues\/([^/]+)(?:\/([^/]+))?(?:\/[^/]*)*$/.exec(path);
  if (queue) return { queue: queue[1], part: queue[2] ?? null };
  const node = /\/nodes\/([^/]+)$/.exec(path);
  if (node) return { node: node[1] };
  const drain = /\/drains(?:\/([^/]+))?$/.exec(path);
  return drain ? { drain: drain[1] ?? '' } : null;
}

export class Paths {
  readonly root: string;

  constructor(root: string) {
    this.root = root.replace(/\/+$/, '') || '/';
  }

  private join(...parts: string[]): string {
    return [this.root === '/' ? '' : this.root, ...parts].join('/');
  }

  queues(): string {
    return this.join('queues');
  }
  queue(q: string): string {
    return this.join('queues', q);
  }
  counter(q: string): string {
    return this.join('queues', q, 'seq');
  }
  pending(q: string): string {
    return this.join('queues', q, 'pending');
  }
  pendingBucket(q: string, bucket: string): string {
    return this.join('queues', q, 'pending', bucket);
  }
  /** A job's spec path; one with requirements lives in the bucket of its class (see pending-spec.ts to find it from the id alone). */
  pendingJob(q: string, seq: number, requirements: Requirements | null = null): string {
    return this.join('queues', q, 'pending', classBucket(seq, requirements), formatSeq(seq));
  }
  /** A spec in a bucket known by name (from a listing of pending/). */
  pendingIn(q: string, bucket: string, seq: number): string {
    return this.join('queues', q, 'pending', bucket, formatSeq(seq));
  }
  claims(q: string): string {
    return this.join('queues', q, 'claims');
  }
  claim(q: string, seq: number): string {
    return this.join('queues', q, 'claims', formatSeq(seq));
  }
  results(q: string): string {
    return this.join('queues', q, 'results');
  }
  resultBucket(q: string, bucket: string): string {
    return this.join('queues', q, 'results', bucket);
  }
  result(q: string, seq: number): string {
    return this.join('queues', q, 'results', bucketOf(seq), formatSeq(seq));
  }
  access(q: string): string {
    return this.join('queues', q, 'access');
  }
  cancels(q: string): string {
    return this.join('queues', q, 'cancels');
  }
  cancel(q: string, seq: number): string {
    return this.join('queues', q, 'cancels', formatSeq(seq));
  }
  slots(q: string): string {
    return this.join('queues', q, 'slots');
  }
  slot(q: string, k: number | string): string {
    return this.join('queues', q, 'slots', String(k));
  }
  /** The fixed children every queue has, besides its counter and access znodes. */
  queueParents(q: string): string[] {
    return [this.pending(q), this.claims(q), this.results(q), this.cancels(q), this.slots(q)];
  }
  nodes(): string {
    return this.join('nodes');
  }
  node(id: string): string {
    return this.join('nodes', id);
  }
  /** Drain requests, one persistent znode per node (drain.ts). */
  drains(): string {
    return this.join('drains');
  }
  drain(id: string): string {
    return this.join('drains', id);
  }
  /** A znode someone else put under a drain request (zkjobs writes none): undrain removes it. */
  drainChild(id: string, name: string): string {
    return this.join('drains', id, name);
  }
  fleetAccess(): string {
    return this.join('access');
  }
}
