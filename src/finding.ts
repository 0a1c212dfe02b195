// A finding: something in a zkjobs tree that zkjobs did not write (a name
// that is not exactly one of ours, a persistent node where an ephemeral one
// belongs, an unreadable record). Whoever meets one says what it is and what
// it did about it; the daemon logs each once (daemon/findings.ts), and
// `zkjobq check` lists them all.
export interface Finding {
  /** The znode concerned. */
  path: string;
  /** What is wrong with it, in a few words. */
  problem: string;
  /** What was done about it: "ignored", "deleted", "queue served as paused"… */
  action: string;
}

export type FindingSink = (finding: Finding) => void;

/** For callers that have nobody to tell (one-shot CLI commands). */
export const IGNORE_FINDINGS: FindingSink = () => undefined;
