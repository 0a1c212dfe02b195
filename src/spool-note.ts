// How a job's spooled output says it was cut at the node's cap (zkjobd
// --spool-max): the daemon writes it at the end of the file, and a client
// streaming the output (follow-output.ts) finds it there and adds the end
// of the output from the result's tail. Alone in its file so that the
// client loads nothing of the daemon's.

/** The note's start; the cap, " bytes]" and a newline follow. */
export const TRUNCATED_NOTE = '\n[zkjobs: output truncated at ';

/** Does this end of a stream end with the note? */
export function endsTruncated(end: Buffer): boolean {
  return /\n\[zkjobs: output truncated at \d+ bytes\]\n$/.test(end.toString('latin1'));
}
