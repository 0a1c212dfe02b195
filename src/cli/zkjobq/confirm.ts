// Asking before pending jobs are destroyed (purge, delete): a yes typed on
// a terminal, or --yes. Nobody can answer on a pipe or in cron, and `echo y |`
// is no answer either: there, removing pending jobs without --yes is refused
// with exit 64 and nothing goes. Finished jobs alone need no answer off a
// terminal (scripts clean up after themselves).
import readline from 'node:readline/promises';
import { UsageError, ZkjobsError } from '../../errors.js';

export interface AtStake {
  pending: number;
  finished: number;
}

/** "20 jobs: 12 pending, 8 finished" */
export function describeJobs(jobs: AtStake): string {
  return `${jobs.pending + jobs.finished} jobs: ${jobs.pending} pending, ${jobs.finished} finished`;
}

async function answeredYes(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

/**
 * Go on only if allowed: `refusal` is the line a pipe gets when pending
 * jobs are at stake, `question` what a terminal is asked, `verb` what was
 * not confirmed.
 */
export async function confirmRemoval(jobs: AtStake, refusal: string, question: string, verb: string): Promise<void> {
  if (!process.stdin.isTTY) {
    if (jobs.pending > 0) throw new UsageError(`${refusal}; pending jobs are removed only with --yes or a yes on a terminal`);
    return;
  }
  if (!(await answeredYes(question))) throw new ZkjobsError(`${verb} not confirmed; nothing removed`);
}
