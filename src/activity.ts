// Jobs started and finished per minute over the last hour. Each daemon
// counts its own and publishes the counts in its node record, so that any
// node (or `zkjobq serve`) can draw the cluster's chart from records it
// reads anyway, without a read per job. A node that dies takes its counts
// with it: the chart covers the live nodes.

export const MINUTES = 60;

export interface Activity {
  /** Minutes since the epoch of the last entry of each array. */
  minute: number;
  /** Oldest first; the last entry is `minute`. At most MINUTES entries. */
  started: number[];
  finished: number[];
}

export function epochMinute(ms = Date.now()): number {
  return Math.floor(ms / 60_000);
}

/** The counts of one daemon, kept in a ring that slides with the clock. */
export class ActivityCounter {
  private minute: number;
  private started: number[] = new Array(MINUTES).fill(0);
  private finished: number[] = new Array(MINUTES).fill(0);

  constructor(ms = Date.now()) {
    this.minute = epochMinute(ms);
  }

  private slide(now: number): void {
    const shift = Math.min(MINUTES, Math.max(0, now - this.minute));
    if (shift === 0) return;
    this.started = [...this.started.slice(shift), ...new Array(shift).fill(0)];
    this.finished = [...this.finished.slice(shift), ...new Array(shift).fill(0)];
    this.minute = now;
  }

  count(kind: 'started' | 'finished', ms = Date.now()): void {
    this.slide(epochMinute(ms));
    this[kind][MINUTES - 1]++;
  }

  snapshot(ms = Date.now()): Activity {
    this.slide(epochMinute(ms));
    return { minute: this.minute, started: [...this.started], finished: [...this.finished] };
  }
}

/** Sum several nodes' counts onto the hour ending at `now` (a minute number). */
export function mergeActivity(all: Activity[], now = epochMinute()): Activity {
  const started: number[] = new Array(MINUTES).fill(0);
  const finished: number[] = new Array(MINUTES).fill(0);
  for (const a of all) {
    for (let i = 0; i < a.started.length; i++) {
      const at = MINUTES - 1 - (now - (a.minute - (a.started.length - 1 - i)));
      if (at < 0 || at >= MINUTES) continue;
      started[at] += a.started[i] ?? 0;
      finished[at] += a.finished[i] ?? 0;
    }
  }
  return { minute: now, started, finished };
}
