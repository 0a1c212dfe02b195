// The one retry policy, applied to whole operations (kazoo's
// `client.retry(self._inner_get)`): a public verb of the protocol runs its
// inner function under `retry`, and the inner function calls the client
// directly. Nothing else retries, so a request is never retried twice over
// by nested policies, and following a job through the code does not cross
// this file at every call.
//
// A lost connection leaves a request's outcome unknown, and the handle
// reconnects by itself within the session timeout: the whole operation runs
// again from its start, bounded. So an operation given to `retry` must be
// safe to run again after any of its requests was applied but not answered:
// reads always are; a create must recognise its own earlier create (see
// ephemeral.ts, and createResult in complete.ts); a delete of something
// already gone is done. A closed or expired handle is final: the session's
// ephemeral nodes are gone, and running again would act as someone else.
import { TempFailError } from '../errors.js';
import { ClosingError, ConnectionLossError, SessionExpiredError } from './errors.js';

/** Runs of an operation after the first, before the connection loss is reported (about 10 s of backoff). */
const RETRIES = 12;

/** Run `op` again while it fails with connection loss; TempFailError once the session is lost or the retries are spent. */
export async function retry<T>(op: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (err instanceof ClosingError || err instanceof SessionExpiredError) {
        throw new TempFailError('the ZooKeeper session was lost (expired or closed) before the operation completed; try again', { cause: err });
      }
      if (!(err instanceof ConnectionLossError)) throw err;
      if (attempt >= RETRIES) throw new TempFailError('the connection to ZooKeeper was lost and did not come back in time; try again', { cause: err });
      await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, 1000)));
    }
  }
}
