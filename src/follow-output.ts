// Streaming a job's output to the caller while it waits for the job
// (`zkjobc run`, `submit --wait --output`, `wait --output`), through the
// endpoint `logs -f` follows (job-output.ts): the node record is verified
// before the token or any request goes to the address it names.
//
// What is followed is an attempt: the open run that the spec's history
// names (attempt-history.ts), while a claim holds the job. The history,
// not the spec's version alone, says an attempt has begun: the claim is
// created before the set that counts the attempt, so a job can look
// "running" on its previous attempt's number for a moment. A job run
// again (retry, node lost) is followed again from the new attempt's first
// byte, after a note.
//
// No lost tail, nothing twice: the node's follow response ends only once
// the job's processes have exited and its spool files are closed (the
// runner closes them before it reports the exit, daemon/spawner-process.ts),
// and before the result is published. A follow that ended that way has
// sent everything the result's tails hold, so they add nothing. The tails
// stand in for what a follow did not deliver (endpoint unverified,
// unreachable, refused; connection broken): when the attempt's output
// fits in a tail (under 64 KiB) the tail is all of it and the bytes
// already shown are skipped; a tail that was cut cannot be lined up with
// what was shown, so it is printed whole after a note that says so.
import type { Readable, Writable } from 'node:stream';
import type { Paths } from './zk/paths.js';
import type { ZkClient } from './zk/client.js';
import { formatJobId, type JobId } from './job-id.js';
import { jobStatus, type JobStatus } from './status.js';
import { endpointOf, fetchOutput, type OutputStream } from './job-output.js';
import { TAIL_BYTES, type JobResult } from './result.js';
import type { CheckedResult } from './wait.js';
import { ZkjobsError } from './errors.js';
import { endsTruncated } from './spool-note.js';

export interface FollowSinks {
  stdout: Writable;
  stderr: Writable;
  /** One diagnostic line about the following itself (not the job's output). */
  note(line: string): void;
}

const STREAMS: readonly OutputStream[] = ['stdout', 'stderr'];
/** How often the job's state is read while no attempt is being followed. */
const POLL_MS = 500;
/** How long the last attempt's follow may take to end once the result is out (it ends by itself within a poll of the node's). */
const FINISH_GRACE_MS = 10_000;
/** Reconnections to one attempt's endpoint after its follow broke, before relying on the result's tails. */
const MAX_REFOLLOWS = 5;
/** Enough of a stream's end to hold the spool's truncation note. */
const NOTE_BYTES = 64;

interface Attempt {
  number: number;
  node: string;
  /** Bytes of each stream written to the sinks. */
  shown: Record<OutputStream, number>;
  /** The last bytes shown of each stream: where the node says it cut the spool. */
  end: Record<OutputStream, Buffer>;
  /** The node's response ended normally: the stream is all there, up to the spool's cap. */
  complete: Record<OutputStream, boolean>;
  /** The endpoint cannot be used for this attempt (not verified, unreachable, refused). */
  unusable: boolean;
  refollows: number;
}

export class OutputFollower {
  private attempt: Attempt | null = null;
  private stopped = false;
  private wake: () => void = () => undefined;
    private readonly watching: Promise<void>;
  private explained = false;
  /** The caller stopped waiting: nothing more is asked or written. */
  private gaveUp = false;
  /** Gives up every request, answered or not; a new one for the requests after the follows. */
  private abortion = new AbortController();

  constructor(
    private readonly zk: ZkClient,
    private readonly paths: Paths,
    private readonly id: JobId,
    private readonly token: string | null,
    private readonly sinks: FollowSinks,
  ) {
    // A failing read ends the following only: the wait beside it meets the same failure and reports it.
    this.watching = this.watch().catch(() => undefined);
  }

  /** The result is in: let the last follow end, then print what no follow delivered, from the node's spool or the result's tails. */
  async finish({ result, unverified }: CheckedResult): Promise<void> {
    this.stop();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.watching, new Promise((r) => (timer = setTimeout(r, FINISH_GRACE_MS)))]);
    clearTimeout(timer);
    // A follow still open past the grace is of a node gone silent: give it up, not what comes next.
    this.abortion.abort();
    this.abortion = new AbortController();
    // A result no authorized daemon signed is not believed: nor is the output it carries.
    if (unverified || result.startedAt === null) return;
    // An attempt that began and ended between two looks: said as one that was followed would be.
    if (this.attempt && this.attempt.number !== result.attempt) this.noteRerun(result.attempt, result.node);
    for (const which of STREAMS) if (!this.gaveUp) await this.printMissing(result, which);
  }

  /** Stop following now (the caller stops waiting); nothing more is written. */
  abort(): void {
    this.gaveUp = true;
    this.stop();
    this.abortion.abort();
  }

  private stop(): void {
    this.stopped = true;
    this.wake();
  }

  private async watch(): Promise<void> {
    while (!this.stopped) {
      const status = await jobStatus(this.zk, this.paths, this.id);
      if (!status || status.result) return;
      const run = openRun(status);
      const current = this.attempt;
      if (run && run.attempt !== current?.number) {
        if (current) this.noteRerun(run.attempt, run.node);
        await this.follow(this.newAttempt(run.attempt, run.node));
        continue;
      }
      if (run && current && !current.unusable && current.refollows < MAX_REFOLLOWS && STREAMS.some((s) => unfinished(current, s))) {
        // The same attempt still runs but a follow broke (or came too early): ask again, skipping what was shown.
        current.refollows++;
        await this.follow(current);
      }
      await this.pause();
    }
  }

  private newAttempt(number: number, node: string): Attempt {
    this.attempt = { number, node, shown: { stdout: 0, stderr: 0 }, end: { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) }, complete: { stdout: false, stderr: false }, unusable: false, refollows: 0 };
    return this.attempt;
  }

  private pause(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, POLL_MS);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** The streams of `a` that have not been seen to end with something in them. */
  private async follow(a: Attempt): Promise<void> {
    await Promise.all(STREAMS.filter((s) => unfinished(a, s)).map(async (which) => {
      const { ended } = await this.pump(a.node, which, true, a.shown[which], (part) => {
        a.shown[which] += part.length;
        a.end[which] = Buffer.concat([a.end[which], part]).subarray(-NOTE_BYTES);
      }, () => (a.unusable = true));
      a.complete[which] = ended;
    }));
  }

  /**
   * Copy one stream from the node's endpoint to our sink, skipping the
   * first `skip` bytes (already shown: a spool file only grows while its
   * attempt runs). `ended`: the node's response ended normally, so all
   * that its spool held was written; not when it broke or was aborted.
   */
  private async pump(node: string, which: OutputStream, follow: boolean, skip: number, wrote: (part: Buffer) => void, unusable: () => void): Promise<{ ended: boolean }> {
    const { signal } = this.abortion;
    let body: Readable;
    try {
      body = await fetchOutput(await endpointOf(this.zk, this.paths, node, this.token), this.id, which, follow, this.token, signal);
    } catch (err) {
      if (signal.aborted || this.gaveUp) return { ended: false };
      if (!(err instanceof ZkjobsError)) throw err;
      unusable();
      this.explainOnce(`not streaming the output of ${formatJobId(this.id)}: ${err.message}; what the result keeps is printed when the job ends`);
      return { ended: false };
    }
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        const part = skip > 0 ? chunk.subarray(Math.min(skip, chunk.length)) : chunk;
        skip -= chunk.length - part.length;
        if (part.length === 0) continue;
        if (this.gaveUp) break;
        wrote(part);
        await write(this.sinks[which], part);
      }
      // A response cut off by the node throws here instead; one we gave up on is not the whole stream.
      return { ended: skip === 0 && !signal.aborted };
    } catch {
      // Broken (node gone, connection reset): a later follow or the result's tail makes up for it.
      return { ended: false };
    }
  }

  private noteRerun(attempt: number, node: string): void {
    if (!this.gaveUp) this.sinks.note(`job ${formatJobId(this.id)} runs again: attempt ${attempt} on ${node}`);
  }

  private explainOnce(line: string): void {
    if (this.explained) return;
    this.explained = true;
    this.sinks.note(line);
  }

  /**
   * What the final attempt wrote to `which` that was not shown: none when
   * its follow ran to the end; else the
   * rest of the node's spool file, which outlives the job; else the
   * result's tail.
   */
  private async printMissing(result: JobResult, which: OutputStream): Promise<void> {
    if (this.gaveUp) return;
    const a = this.attempt?.number === result.attempt ? this.attempt : null;
    const tail = Buffer.from(which === 'stdout' ? result.stdoutTail : result.stderrTail, 'utf8');
    let shown = a?.shown[which] ?? 0;
    // Ended with nothing while the result has something: the follow came before the job began there, or the node kept no spool.
    const trusted = (ended: boolean) => ended && (shown > 0 || tail.length === 0);
    let whole = Boolean(a?.complete[which]);
    let end = a?.end[which] ?? Buffer.alloc(0);
    if (!trusted(whole) && !a?.unusable) {
      // Not followed, or not to its end (or the follow asked before the job had begun there).
      ({ ended: whole } = await this.pump(result.node, which, false, shown, (part) => {
        shown += part.length;
        end = Buffer.concat([end, part]).subarray(-NOTE_BYTES);
      }, () => undefined));
    }
    if (this.gaveUp) return;
    if (trusted(whole) && endsTruncated(end)) {
      // The node kept only the start: its end is in the tail, which may overlap the start if the output was not much longer.
      this.sinks.note(`the node kept only the start of the ${which} of ${formatJobId(this.id)}; the last ${TAIL_BYTES / 1024} KiB kept with the result follow`);
      await write(this.sinks[which], tail);
      return;
    }
    if (trusted(whole)) return;
    if (tail.length < TAIL_BYTES) {
      // The attempt's whole output: what was shown is its beginning.
      if (tail.length > shown) await write(this.sinks[which], tail.subarray(shown));
      return;
    }
    const kib = TAIL_BYTES / 1024;
    this.sinks.note(shown > 0
      ? `the ${which} of ${formatJobId(this.id)} broke off after ${shown} bytes; the last ${kib} KiB kept with the result follow, and may repeat some of them`
      : `the ${which} of ${formatJobId(this.id)} was not streamed; the last ${kib} KiB kept with the result follow`);
    await write(this.sinks[which], tail);
  }
}

/**
 * A stream to ask for (again): not yet seen to end, or seen to end empty,
 * which is also what a follow sent just before the node began the job
 * looks like. Asking again is safe: what was shown is skipped.
 */
function unfinished(a: Attempt, which: OutputStream): boolean {
  return !a.complete[which] || a.shown[which] === 0;
}

/** The attempt that runs now: the history's last run while it is open and a claim holds the job. */
function openRun(status: JobStatus): { attempt: number; node: string } | null {
  if (status.state !== 'running') return null;
  const last = status.history.at(-1);
  if (!last || last.endedAt !== undefined || last.ended !== undefined) return null;
  return { attempt: last.attempt, node: last.node };
}

function write(sink: Writable, data: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (sink.write(data)) resolve();
    else sink.once('drain', resolve);
  });
}
