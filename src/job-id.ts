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

export function parseSeq(text: string): number | null {
  if (!/^\d{1,10}$/.test(text)) return null;
  return Number(text);
}

export function parseJobId(text: string): JobId {
  const slash = text.lastIndexOf('/');
  const seq = slash > 0 ? parseSeq(text.slice(slash + 1)) : null;
  if (seq === null) throw new DataError(`invalid job id ${JSON.stringify(text)}: expected QUEUE/NUMBER, e.g. default/0000000042`);
  return { queue: checkQueueName(text.slice(0, slash)), seq };
}
