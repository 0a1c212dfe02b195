// zkjobq nodes: the live daemons and what they run. The table shows free and
// total memory and the daemon's uptime; --json has the raw record.
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions, withSession, out, type ConnectionArgs } from '../program.js';
import { listNodes } from '../../node-registry.js';
import { formatTable } from './table.js';
import { shortAge } from './list.js';

/** Free and total memory, "3.2/15.6G". */
export function memoryColumn(free: number, total: number): string {
  const gib = (n: number) => (n / 2 ** 30).toFixed(1);
  return `${gib(free)}/${gib(total)}G`;
}

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
      const now = Date.now();
      const rows = nodes.map(({ id, record: r, error }) => r
        ? [id, r.host, String(r.slots), String(r.running.length), r.load.map((l) => l.toFixed(2)).join(' '), memoryColumn(r.memFree, r.memTotal),
          r.queues.join(','), r.version, shortAge(Math.max(0, (now - Date.parse(r.startedAt)) / 1000))]
        : [id, `(${error})`, '', '', '', '', '', '', '']);
      out(formatTable(['NODE', 'HOST', 'SLOTS', 'RUNNING', 'LOAD', 'MEM', 'QUEUES', 'VERSION', 'UPTIME'], rows));
    });
  },
};
