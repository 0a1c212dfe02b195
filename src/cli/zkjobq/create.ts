// zkjobq create QUEUE… [--submitters IDS --admins IDS --daemons IDS]:
// make queues ready for submissions, optionally restricted to identities.
// zkjobq digest: print the digest id of the USER:PASSWORD read from stdin.
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions, withSession, out, warn, type ConnectionArgs } from '../program.js';
import { ensureQueue, repairedConfigWarning, setMaxRunning } from '../../queue.js';
import { parseLimit } from './queue-admin.js';
import { checkQueueName } from '../../job-id.js';
import { digestId, splitIdentities, type QueueAccess } from '../../acl.js';
import { readFileSync } from 'node:fs';
import { UsageError } from '../../errors.js';

interface CreateArgs extends ConnectionArgs {
  queues: string[];
  submitters?: string;
  admins?: string;
  daemons?: string;
  'max-running'?: string;
}

export function identities(list: string | undefined): string[] {
  return splitIdentities(list ?? '');
}

function accessFrom(args: CreateArgs): QueueAccess | undefined {
  if (args.submitters === undefined && args.admins === undefined && args.daemons === undefined) return undefined;
  const access = { submitters: identities(args.submitters), admins: identities(args.admins), daemons: identities(args.daemons) };
  if (access.admins.length === 0) throw new UsageError('a restricted queue needs at least one --admins identity');
  return access;
}

export const createCommand: CommandModule<object, CreateArgs> = {
  command: 'create <queues..>',
  describe: 'create queues (an existing queue is left as it is, unless access is given)',
  builder: (y) => withConnectionOptions(y)
    .positional('queues', { type: 'string', array: true, demandOption: true })
    .option('submitters', { type: 'string', describe: 'restrict submitting to these identities (USER:DIGEST or x509:SUBJECT, comma-separated)' })
    .option('admins', { type: 'string', describe: 'identities that may pause, purge and delete the queue' })
    .option('daemons', { type: 'string', describe: 'identities of the daemons that serve the queue' })
    .option('max-running', { type: 'string', describe: "most jobs of the queue running at once across the cluster, or 'none' (see zkjobq limit)" }) as unknown as Argv<CreateArgs>,
  handler: async (args) => {
    const queues = args.queues.map(String).map(checkQueueName);
    const access = accessFrom(args);
    const maxRunning = args['max-running'] === undefined ? undefined : parseLimit(String(args['max-running']));
    await withSession(args, async ({ zk, paths }) => {
      for (const queue of queues) {
        const created = await ensureQueue(zk, paths, queue, access);
        if (maxRunning !== undefined) warn(repairedConfigWarning(queue, await setMaxRunning(zk, paths, queue, maxRunning), { maxRunning }));
        const limit = maxRunning === undefined ? '' : `, max running ${maxRunning ?? 'none'}`;
        out(`${queue}: ${created ? 'created' : 'exists'}${access ? ' (restricted)' : ''}${limit}`);
      }
    });
  },
};

export const digestCommand: CommandModule<object, object> = {
  command: 'digest',
  describe: 'read USER:PASSWORD on stdin, print the digest id that --submitters, --admins and --daemons take',
  builder: (y) => y,
  handler: () => {
    out(digestId(readFileSync(0, 'utf8').trim()));
  },
};
