// A job id is "<queue>/<sequence>", e.g. "default/0000000042": stable from
// submission to purge. Queue names and node ids become znode names, so they
// are checked here before any path is built from them.
import { DataError } from './errors.js';

export interface JobId {
  queue: string;
  seq: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const SEQ_DIGITS = 10;
/** The last job number: ids are ten digits, so a counter past this would hand out names zkjobs does not read. */
export const MAX_SEQ = 10 ** SEQ_DIGITS - 1;

/** A queue or node name: letters, digits, `_.-`, not starting with a dot or dash, at most 64. */
export function checkName(kind: string, name: string): string {
  if (!NAME.test(name)) {
    throw new DataError(`invalid ${kind} name ${JSON.stringify(name)}: use letters, digits, '_', '.', '-' (at most 64, starting with a letter or digit)`);
  }
  return name;
}

export function checkQueueName(name: string): string {
  return checkName('queue', name);
}

export function formatSeq(seq: number): string {
  return String(seq).padStart(SEQ_DIGITS, '0');
}

export function formatJobId(id: JobId): string {
  return `${id.queue}/${formatSeq(id.seq)}`;
}

/**
 * A job number from a znode name: exactly the ten zero-padded digits that
 * formatSeq writes, else null. `1` and `01` beside `0000000001` are names
 * someone else wrote; reading them as job 1 ran that job several times at
 * once, so they are never jobs, claims or requests.
 */
export function parseSeq(name: string): number | null {
  return isSeqName(name) ? Number(name) : null;
}

/** True for exactly the names zkjobs gives jobs, claims, results and cancel requests. */
export function isSeqName(name: string): boolean {
  return /^\d{10}$/.test(name);
}

/** A job number typed by a person: `42` is short for `0000000042`. Never used on znode names. */
function parseSeqInput(text: string): number | null {
  return /^\d{1,10}$/.test(text) ? Number(text) : null;
}

export function parseJobId(text: string): JobId {
  const slash = text.lastIndexOf('/');
  const seq = slash > 0 ? parseSeqInput(text.slice(slash + 1)) : null;
  if (seq === null) throw new DataError(`invalid job id ${JSON.stringify(text)}: expected QUEUE/NUMBER, e.g. default/0000000042`);
  return { queue: checkQueueName(text.slice(0, slash)), seq };
}
