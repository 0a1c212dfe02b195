// The daemon's side of `zkjobq drain` (drain.ts): one exists watch on its
// own request, ROOT/drains/<node-id>, which fires when an admin drains or
// undrains this node (or rewrites the request), and on nothing else. It is
// the one watch a daemon holds that may never fire in a whole session (a
// node never drained); that is one watch per daemon, armed once per
// session, not one per job (docs/watches.md).
//
// Until the first read the state is unknown, and an unknown state claims
// nothing: a node drained while it was down must not claim a single job
// before it has looked. A new session re-arms the watch and reads again;
// a reconnection with the same session reads again without re-arming (the
// server kept the watch, but changes made while we were away may have
// been delivered as one event or not at all). A failed read keeps the
// last known state and is retried by the daemon.
//
// The request's data is for people: a request that exists drains, whatever
// it holds. One that cannot be read is logged once per version, as one line.
import type { Logger } from '../log.js';
import type { Paths } from '../zk/paths.js';
import type { ZkClient } from '../zk/client.js';
import { NoAuthError } from '../zk/errors.js';
import { retry } from '../zk/retry.js';
import { readDrainData, type Drain } from '../drain.js';

export class DrainWatch {
  /**
   * The session whose server holds our watch, or null. Kept per session, not
   * as a flag: a read still in flight from the session before would set a
   * flag back after reset(), and the new session would never be watched.
   */
  private armedIn: string | null = null;
  private state: boolean | null = null;
  /** The version of the last unreadable request logged, so that each is said once. */
  private saidProblem: string | null = null;
  private checking: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly zk: () => ZkClient,
    private readonly paths: Paths,
    private readonly nodeId: string,
    private readonly log: Logger,
    /** Called when the node becomes drained or undrained. */
    private readonly changed: (drained: boolean) => void,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** True when drained, and also while not known yet: claim only on false. */
  get drained(): boolean {
    return this.state !== false;
  }

  /** A new session: its watches are gone. */
  reset(): void {
    this.armedIn = null;
  }

  /** Read the request (arming the watch if none is held); calls made meanwhile run once more after it. */
  async check(): Promise<void> {
    if (this.checking) {
      this.again = true;
      return this.checking;
    }
    this.checking = (async () => {
      try {
        do {
          this.again = false;
          this.apply(await this.read());
        } while (this.again);
      } finally {
        this.checking = null;
      }
    })();
    return this.checking;
  }

  private async read(): Promise<{ drain: Drain; version: string } | null> {
    const zk = this.zk();
    const path = this.paths.drain(this.nodeId);
    const fired = () => {
      this.armedIn = null;
      this.check().catch(this.onError);
    };
    return retry(async () => {
      // An exists watch, unlike a data watch, is left on a node that is not there: it fires when the node is drained.
      const session = zk.sessionId;
      const stat = this.armedIn === session ? await zk.exists(path) : await zk.watchExists(path, fired);
      this.armedIn = session;
      if (!stat) return null;
      let data: Buffer | null;
      try {
        data = (await zk.getOrNull(path))?.data ?? null;
      } catch (err) {
        if (!(err instanceof NoAuthError)) throw err;
        return { drain: readDrainData(null, 'not readable by this daemon'), version: `${stat.czxid}:${stat.version}` };
      }
      // Gone between the two reads: the watch fires for that, and the next read says undrained.
      if (data === null) return null;
      return { drain: readDrainData(data), version: `${stat.czxid}:${stat.version}` };
    });
  }

  private apply(found: { drain: Drain; version: string } | null): void {
    const node = this.nodeId;
    if (found?.drain.problem && this.saidProblem !== found.version) {
      this.saidProblem = found.version;
      this.log.warn(`the drain request of this node is unreadable (${found.drain.problem}); draining all the same until 'zkjobq undrain ${node}' removes it`, { node });
    }
    const drained = found !== null;
    if (drained === this.state) return;
    const first = this.state === null;
    this.state = drained;
    const request = found?.drain.request;
    if (drained) this.log.warn('drained: claiming no new jobs; running jobs finish', { node, ...(request ? { by: request.by, at: request.at, ...(request.reason ? { reason: request.reason } : {}) } : {}) });
    else if (!first) this.log.info('undrained: claiming jobs again', { node });
    this.changed(drained);
  }
}
