// zkjobq init --daemons IDS --admins IDS: the fleet's identities, for what
// belongs to no queue (node records) and for the claims and run slots of
// open queues (fleet-access.ts). Run it again to change them, or to fix
// node records an older version left open.
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions, withSession, out, warn, type ConnectionArgs } from '../program.js';
import { initFleet } from '../../fleet-access.js';
import { UsageError } from '../../errors.js';
import { identities } from './create.js';

interface InitArgs extends ConnectionArgs {
  daemons?: string;
  admins?: string;
}

const count = (ids: string[], what: string) => `${ids.length} ${what} identit${ids.length === 1 ? 'y' : 'ies'}`;

export const initCommand: CommandModule<object, InitArgs> = {
  command: 'init',
  describe: "set the fleet's daemon and admin identities: only daemons may then write node records, claims and run slots",
  builder: (y) => withConnectionOptions(y)
    .option('daemons', { type: 'string', describe: 'identities of all the daemons (USER:DIGEST or x509:SUBJECT, comma-separated)' })
    .option('admins', { type: 'string', describe: 'identities that may change this and repair node records' }) as unknown as Argv<InitArgs>,
  handler: async (args) => {
    const access = { daemons: identities(args.daemons), admins: identities(args.admins) };
    if (access.daemons.length === 0) throw new UsageError('init needs at least one --daemons identity');
    if (access.admins.length === 0) throw new UsageError('init needs at least one --admins identity');
    await withSession(args, async ({ zk, paths }) => {
      const outcome = await initFleet(zk, paths, access);
      for (const id of outcome.refused) warn(`node record ${id} has an ACL that does not let us change it; see zkjobq check`);
      const fixed = outcome.fixed.length > 0 ? `; existing records restricted: ${outcome.fixed.join(', ')}` : '';
      out(`fleet: ${count(access.daemons, 'daemon')}, ${count(access.admins, 'admin')}; node records writable by daemons only${fixed}`);
    });
  },
};
