// Ctrl-C while a command waits for jobs (`zkjobc run`, `submit --wait`,
// `wait`). By default it only stops the waiting: the jobs are left as they
// are, queued or running, as with `sbatch --wait`; waiting again is
// `zkjobc wait`. Cancelling is asked for (--cancel-on-interrupt): then the
// first Ctrl-C requests the cancel and the wait goes on, so that the exit
// status says how the job ended (143 once it is cancelled) and its output
// runs out; a second Ctrl-C stops waiting at once.
import { ZkjobsError } from './errors.js';

/** 128 + SIGINT, as a shell reports a command Ctrl-C ended. */
export const EXIT_INTERRUPTED = 130;

/** The wait was given up on by the user; the jobs were left as the message says. */
export class InterruptedError extends ZkjobsError {
  constructor(message: string) {
    super(message, EXIT_INTERRUPTED);
  }
}

export interface InterruptWatch {
  /** Rejects with InterruptedError when the user gives up waiting. */
  interrupted: Promise<never>;
  dispose(): void;
}

/**
 * Handle SIGINT until disposed. `jobs` names the jobs in messages;
 * `cancel` is called on the first Ctrl-C when cancelling was asked for
 * (null: every Ctrl-C stops the wait); `note` says one line on stderr.
 */
export function watchInterrupts(jobs: string, cancel: (() => Promise<unknown>) | null, note: (line: string) => void): InterruptWatch {
  let fail: (err: Error) => void = () => undefined;
  const interrupted = new Promise<never>((_, reject) => (fail = reject));
  interrupted.catch(() => undefined);
  let count = 0;
  const onSignal = () => {
    count++;
    if (cancel && count === 1) {
      note(`interrupted: cancelling ${jobs}; Ctrl-C again stops waiting`);
      cancel().catch((err: Error) => note(`cannot cancel ${jobs}: ${err.message}`));
      return;
    }
    const left = cancel ? 'its cancel was asked for but is not known to be done' : 'it is left queued or running, not cancelled';
    fail(new InterruptedError(`interrupted: stopped waiting for ${jobs}; ${left} (zkjobc status, wait, cancel)`));
  };
  process.on('SIGINT', onSignal);
  return { interrupted, dispose: () => process.off('SIGINT', onSignal) };
}
