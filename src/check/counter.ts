// Judging a queue's sequence counter against the jobs found. The counter's
// data is the last number handed out; every job found (pending or finished)
// must be at or below it, or the next submits are handed numbers that are
// taken: a create that fails, or worse a new spec beside an old result,
// which claimers then treat as finished (a lost job). A counter far beyond
// the highest job is not wrong in itself (purged jobs leave gaps, a batch
// reserves a block), but one pushed near the end of the ten-digit range
// makes every later submit fail or vanish.

/** More numbers than this between the highest job and the counter is "far ahead". */
export const AHEAD_SLACK = 100_000_000;
/** Fewer numbers than this left before the end of the range is "far ahead" too. */
export const END_MARGIN = 1_000_000;

export type CounterVerdict =
  | { kind: 'ok' }
  | { kind: 'unparseable'; text: string }
  | { kind: 'behind'; counter: number; highest: number }
  | { kind: 'ahead'; counter: number; highest: number };

/** The counter's text as submit reads it: empty is 0, else 1–15 digits. */
export function parseCounterText(text: string): number | null {
  if (text === '') return 0;
  return /^\d{1,15}$/.test(text) ? Number(text) : null;
}

/** `highest`: the highest job number found, 0 when there is none. */
export function judgeCounter(text: string, highest: number, maxSeq: number): CounterVerdict {
  const counter = parseCounterText(text);
  if (counter === null) return { kind: 'unparseable', text: text.slice(0, 40) };
  if (counter < highest) return { kind: 'behind', counter, highest };
  if (counter - highest > AHEAD_SLACK || (counter > maxSeq - END_MARGIN && counter > highest)) return { kind: 'ahead', counter, highest };
  return { kind: 'ok' };
}
