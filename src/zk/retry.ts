// A lost connection leaves a request's outcome unknown, and the handle
// reconnects by itself within the session timeout: retry those, bounded.
// Anything else (a closed or expired handle included) is final.
import { TempFailError } from '../errors.js';
import { ClosingError, ConnectionLossError, SessionExpiredError } from './errors.js';

const RETRIES = 12;

export async function withRetry<T>(op: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (err instanceof ClosingError || err instanceof SessionExpiredError) {
        throw new TempFailError(`ZooKeeper session lost: ${err.message}`, { cause: err });
      }
      if (!(err instanceof ConnectionLossError)) throw err;
      if (attempt >= RETRIES) throw new TempFailError(`ZooKeeper connection lost: ${err.message}`, { cause: err });
      await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, 1000)));
    }
  }
}
