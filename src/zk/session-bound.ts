// Operations bound to one session: they act on what that session owns (a
// claim is an ephemeral node of the session that took it) and must never
// go on under another.
//
// ZkClient renews an expired session in place: the same client, a new
// handle, a new session id. `retry` runs an operation again after a lost
// connection, and during its back-off the old session may expire and the
// client renew it. The next run would then act under the new session, on a
// claim that died with the old one and that a peer may have taken since:
// publish the result of a run whose claim is gone while the peer runs the
// job again, or start a job whose claim we no longer hold. Fencing (a
// daemon holds a job only while the session that claimed it lives) would be
// broken by our own retry.
//
// So a session-bound operation names its session when it begins and talks
// through `zk.boundTo(session)`: a view of the client whose every request
// fails with SessionChangedError, before it is sent, once the client has
// another session. `retry` does not retry that error; the caller treats it
// as fenced (the claim is lost).
import { TempFailError } from '../errors.js';

/** The client's session is not the one the operation began under: what that one held is lost. */
export class SessionChangedError extends TempFailError {
  constructor(
    readonly session: string,
    readonly current: string,
  ) {
    super(`ZooKeeper session ${session} was replaced by ${current || 'none'}; what it held is lost`);
  }
}
