// The line zkjobd logs for each served queue at start and on reload: who may
// submit there and as whom its jobs run. An operator reading the journal
// should see at once that a queue is open to anyone who reaches ZooKeeper,
// or that its jobs would run as root, without reading the config and the
// ACLs side by side.
import os from 'node:os';
import type { Logger } from '../log.js';
import type { ZkClient } from '../zk/client.js';
import type { Paths } from '../zk/paths.js';
import { NoAuthError } from '../zk/errors.js';
import { retry } from '../zk/retry.js';
import { parseAccess } from '../acl.js';
import type { PolicySource } from './queue-policy.js';
import { decideRunAs, describeRunAs } from './run-as.js';
import { resolveIdentity } from './identity.js';

/** Who may create jobs in the queue, in words. */
async function submitters(zk: ZkClient, paths: Paths, queue: string): Promise<string> {
  try {
    const node = await retry(() => zk.getOrNull(paths.access(queue)));
    if (!node) return 'anyone who can reach ZooKeeper (open queue)';
    const users = parseAccess(node.data).submitters.map((id) => id.slice(0, id.indexOf(':')));
    return `digest identities ${users.join(',') || '(none)'} (restricted queue)`;
  } catch (err) {
    if (err instanceof NoAuthError) return 'restricted queue (its access list is not readable by this daemon)';
    return `unknown (${(err as Error).message})`;
  }
}

export async function reportQueues(zk: ZkClient, paths: Paths, queues: readonly string[], policies: PolicySource, log: Logger, nodeId: string): Promise<void> {
  const daemonUid = process.getuid?.() ?? -1;
  const daemonUser = os.userInfo().username;
  for (const queue of queues) {
    const policy = policies(queue);
    const decision = decideRunAs({ policy, daemonUid });
    const fields = {
      node: nodeId, queue, submitters: await submitters(zk, paths, queue), runAs: describeRunAs(decision, daemonUser), shell: policy.allowShell ? 'allowed' : 'refused',
      signedBy: policy.submitters ? `only jobs signed by one of the ${policy.submitters.users.size} keys of ${policy.submitters.file}, each as its account unless run_as is set` : 'not checked (no authorized_submitters file): anyone who can write the queue in ZooKeeper runs jobs as the account above',
    };
    if (decision.kind === 'daemon') {
      log.info('queue access', fields);
      continue;
    }
    let uid: number | null = null;
    try {
      uid = resolveIdentity(decision.runAs).uid;
    } catch (err) {
      log.warn('queue access: its jobs will fail until the account exists', { ...fields, error: (err as Error).message });
      continue;
    }
    if (uid === 0) log.warn('queue access: jobs run as root', fields);
    else log.info('queue access', fields);
  }
}
