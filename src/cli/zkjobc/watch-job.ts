// Waiting for one job as `zkjobc run`, `submit --wait` and `wait` do: with
// its output streamed to ours while it runs (follow-output.ts), and Ctrl-C
// handled as --cancel-on-interrupt says (interrupt.ts).
import type { Argv } from 'yargs';
import { warn, zkAuth, type ConnectionArgs, type Session } from '../program.js';
import { formatJobId, type JobId } from '../../job-id.js';
import { waitForResult, type CheckedResult } from '../../wait.js';
import { OutputFollower } from '../../follow-output.js';
import { outputToken } from '../../job-output.js';
import { watchInterrupts, type InterruptWatch } from '../../interrupt.js';
import { cancelJob, canceller, withdrawRequest } from '../../cancel.js';
import { ZkjobsError } from '../../errors.js';

export interface WatchArgs extends ConnectionArgs {
  'cancel-on-interrupt': boolean;
  'http-token-file'?: string;
}

/** --cancel-on-interrupt and --http-token-file, for every command that waits. */
export function watchOptions<T>(y: Argv<T>): Argv<T & WatchArgs> {
  return y
    .option('cancel-on-interrupt', { type: 'boolean', default: false, describe: 'Ctrl-C while waiting cancels the job (a second Ctrl-C stops waiting); default: Ctrl-C only stops waiting and the job keeps running' })
    .option('http-token-file', { type: 'string', describe: "file holding the daemons' output token, for streamed output (env ZKJOBS_HTTP_TOKEN)" }) as unknown as Argv<T & WatchArgs>;
}

export interface WaitInterrupts extends InterruptWatch {
  /** Once the jobs have ended: withdraw the cancel requests made, which a job that ended by itself leaves behind. */
  settle(): Promise<void>;
}

/** Ctrl-C handling for a wait on `ids`, until disposed. */
export function interruptsFor({ zk, paths }: Session, ids: JobId[], args: WatchArgs): WaitInterrupts {
  const who = canceller(zkAuth(args)?.split(':')[0]);
  const requested: JobId[] = [];
  // Each job on its own: one that ended meanwhile says so and stops no other cancel.
  const cancelAll = () => Promise.all(ids.map(async (id) => {
    try {
      if ((await cancelJob(zk, paths, id, who)) === 'requested') requested.push(id);
    } catch (err) {
      warn(`cannot cancel ${formatJobId(id)}: ${(err as Error).message}`);
    }
  }));
  const watch = watchInterrupts(ids.map(formatJobId).join(' '), args['cancel-on-interrupt'] ? cancelAll : null, warn);
  return { ...watch, settle: async () => void (await Promise.all(requested.map((id) => withdrawRequest(zk, paths, id)))) };
}

/**
 * Wait for the job's result; with `output`, its stdout to ours and its
 * stderr to ours while it runs. `interrupts`: Ctrl-C handling the caller
 * set up as soon as it had the id (then disposed of here).
 */
export async function watchJob(session: Session, id: JobId, args: WatchArgs, output: boolean, interrupts = interruptsFor(session, [id], args)): Promise<CheckedResult> {
  const { zk, paths } = session;
  const follower = output ? new OutputFollower(zk, paths, id, outputToken(args['http-token-file']), { stdout: process.stdout, stderr: process.stderr, note: warn }) : null;
  const gone = output ? readerGone(formatJobId(id)) : new Promise<never>(() => undefined);
  gone.catch(() => undefined); // after the wait, a closed pipe is only dropped output
  try {
    const ended = await Promise.race([waitForResult(zk, paths, id), interrupts.interrupted, gone]);
    await Promise.race([follower?.finish(ended), interrupts.interrupted, gone]);
    await interrupts.settle();
    return ended;
  } finally {
    follower?.abort();
    interrupts.dispose();
  }
}

/** 128 + SIGPIPE, as a shell reports a writer whose reader went away. */
const EXIT_PIPE = 141;

/**
 * Rejects when whoever reads our output has gone (`zkjobc run … | head`):
 * waiting on is pointless, so stop as a program killed by SIGPIPE would,
 * and leave the job as Ctrl-C does. The listeners stay, so that a last
 * line to a closed stderr is dropped rather than thrown.
 */
function readerGone(job: string): Promise<never> {
  return new Promise<never>((_, reject) => {
    for (const stream of [process.stdout, process.stderr]) {
      stream.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE') reject(new ZkjobsError(`nobody reads the output any more: stopped waiting for ${job} (not cancelled)`, EXIT_PIPE));
        else reject(err);
      });
    }
  });
}
