// One error class per ZooKeeper return code that the protocol branches on.
// The binding reports failures as a bare number; this table turns it into a
// class so callers write `instanceof NodeExistsError`, never compare codes.
import type { FailedMultiOp } from './multi.js';

/** What a request asked of a znode: how a refusal names the right it lacked. */
export type ZkOperation = 'read' | 'create' | 'write' | 'delete' | 'admin';

export class ZkError extends Error {
  readonly code: number;
  readonly path: string;
  /** The request's kind, when known. */
  op?: ZkOperation;
  /** In a multi (zk/multi.ts): the op that failed it, whose path this is. */
  multiOp?: FailedMultiOp;
  constructor(code: number, path: string, text: string) {
    super(`${text} (${code}) at ${path}`);
    this.name = new.target.name;
    this.code = code;
    this.path = path;
  }
}

export class NoNodeError extends ZkError {}
export class NodeExistsError extends ZkError {}
export class BadVersionError extends ZkError {}
export class NotEmptyError extends ZkError {}
export class NoAuthError extends ZkError {}
/** The request may or may not have been applied: the connection dropped. */
export class ConnectionLossError extends ZkError {}
export class SessionExpiredError extends ZkError {}
/** The handle is closed or closing (our close, expiry, or the binding's own). */
export class ClosingError extends ZkError {}

const CLASS_BY_CODE: Record<number, typeof ZkError> = {
  [-101]: NoNodeError,
  [-110]: NodeExistsError,
  [-103]: BadVersionError,
  [-111]: NotEmptyError,
  [-102]: NoAuthError,
  [-4]: ConnectionLossError,
  [-7]: ConnectionLossError, // operation timeout: same uncertainty as a lost connection
  [-112]: SessionExpiredError,
  [-116]: ClosingError,
  [-118]: SessionExpiredError, // session moved
};

export function zkErrorFromCode(code: number, path: string, text?: string, op?: ZkOperation): ZkError {
  const Class = CLASS_BY_CODE[code] ?? ZkError;
  const err = new Class(code, path, text ?? `zookeeper error`);
  err.op = op;
  return err;
}

/** The binding's method names, by the kind of request they send. */
export function operationOf(method: string): ZkOperation | undefined {
  if (/create/.test(method)) return 'create';
  if (/delete/.test(method)) return 'delete';
  if (/acl/.test(method)) return 'admin';
  if (/^a_set$/.test(method)) return 'write';
  if (/get|exists/.test(method)) return 'read';
  return undefined;
}
