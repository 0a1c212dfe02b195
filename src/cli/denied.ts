// A refusal by ZooKeeper's ACLs, said as the operator thinks of it: which
// queue, which action, and which of the rights `zkjobq create` grants
// (--submitters, --admins, --daemons) it takes; never a bare znode path.
import { placeOf } from '../zk/paths.js';
import type { NoAuthError } from '../zk/errors.js';

type Right = 'submitter' | 'admin' | 'daemon';

/** Per part of a queue and kind of request: the action refused and the right it needs. */
const ACTIONS: Record<string, Partial<Record<string, [string, Right]>>> = {
  seq: { write: ['submit to', 'submitter'], read: ['read', 'submitter'] },
  pending: { create: ['submit to', 'submitter'], delete: ['remove pending jobs of', 'admin'], write: ['requeue or retry jobs of', 'daemon'] },
  claims: { create: ['cancel or claim jobs of', 'submitter'], delete: ['remove claims of', 'admin'] },
  results: { create: ['record results in', 'submitter'], delete: ['remove finished jobs of', 'admin'] },
  cancels: { create: ['cancel jobs of', 'submitter'], delete: ['remove cancel requests of', 'admin'] },
  slots: { create: ['take run slots of', 'daemon'], delete: ['free run slots of', 'daemon'] },
  access: { read: ['read the identities of', 'admin'], write: ['change the identities of', 'admin'] },
  '': { write: ['change the settings of', 'admin'], delete: ['delete', 'admin'], admin: ['restrict', 'admin'], create: ['create', 'admin'] },
};

/** One line for a refused request. */
export function deniedMessage(err: NoAuthError): string {
  const place = placeOf(err.path);
  const op = err.op ?? 'access';
  if (place && 'node' in place) return `not authorized to ${op === 'read' ? 'read' : 'register'} node ${place.node} (a daemon's identity is needed)`;
  if (place && 'drain' in place) return `not authorized to ${place.drain ? `drain or undrain node ${place.drain}` : 'drain nodes'}: this identity is not among the fleet's admins (zkjobq init --admins)`;
  if (!place) return `not authorized to ${op} ${err.path}`;
  const action = ACTIONS[place.part ?? '']?.[op];
  if (!action) return `not authorized to ${op === 'read' ? 'read' : 'change'} queue ${place.queue}`;
  const [verb, right] = action;
  const gives = right === 'daemon' ? 'zkjobq create --daemons' : right === 'admin' ? 'zkjobq create --admins' : 'zkjobq create --submitters';
  return `not authorized to ${verb} queue ${place.queue}: this identity lacks its ${right} right (${gives}; identity from --zk-auth-file or ZKJOBS_ZK_AUTH)`;
}
