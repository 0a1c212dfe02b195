// The daemon's log of findings (see ../finding.ts): each is logged once, not
// at every scan that meets it again, so a hostile name costs one log line
// per daemon rather than one per idle rescan. The memory of what was logged
// is bounded: past MAX_REMEMBERED distinct findings it starts over, so a
// flood of garbage names is at worst logged again, never held without bound.
import type { Logger } from '../log.js';
import type { Finding } from '../finding.js';

const MAX_REMEMBERED = 10_000;

export class Findings {
  private logged = new Set<string>();

  constructor(
    private readonly log: Logger,
    private readonly nodeId: string,
  ) {}

  /** Log `finding` unless this one (same path, same problem) was logged already. */
  readonly report = (finding: Finding): void => {
    const key = `${finding.path}\n${finding.problem}`;
    if (this.logged.has(key)) return;
    if (this.logged.size >= MAX_REMEMBERED) this.logged.clear();
    this.logged.add(key);
    this.log.warn('found a znode zkjobs did not write', { node: this.nodeId, path: finding.path, problem: finding.problem, action: finding.action });
  };
}
