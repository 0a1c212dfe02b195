// zkjobq nodes: the live daemons and what they run.
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions, withSession, out, type ConnectionArgs } from '../program.js';
import { listNodes } from '../../node-registry.js';
import { formatTable } from './table.js';

interface NodesArgs extends ConnectionArgs {
  json: boolean;
}

export const nodesCommand: CommandModule<object, NodesArgs> = {
  command: 'nodes',
  describe: 'list the live zkjobd nodes',
  builder: (y) => withConnectionOptions(y).option('json', { type: 'boolean', default: false }) as unknown as Argv<NodesArgs>,
  handler: async (args) => {
    await withSession(args, async ({ zk, paths }) => {
      const nodes = await listNodes(zk, paths);
      if (args.json) {
        nodes.forEach((n) => out(JSON.stringify(n)));
        return;
      }
      const rows = nodes.map(({ id, record: r, error }) => r
        ? [id, r.host, String(r.slots), String(r.running.length), r.load.map((l) => l.toFixed(2)).join(' '), r.queues.join(','), r.version, r.startedAt]
        : [id, `(${error})`, '', '', '', '', '', '']);
      out(formatTable(['NODE', 'HOST', 'SLOTS', 'RUNNING', 'LOAD', 'QUEUES', 'VERSION', 'STARTED'], rows));
    });
  },
};
