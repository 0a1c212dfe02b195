// zkjobq nodes: the live daemons and what they run. The table shows the
// useful part of each node's hardware (CPUs, load, free/total memory and
// spool disk, GPUs) and the daemon's uptime; --json has the whole record,
// and for a drained node who drained it, when and why (drain.ts). Nodes
// drained while no daemon of theirs runs are named on stderr: they are no
// live daemons, but an operator must not forget them.
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions, withSession, out, warn, type ConnectionArgs } from '../program.js';
import { listNodes } from '../../node-registry.js';
import { listDrains, type Drain } from '../../drain.js';
import { DataError } from '../../errors.js';
import { formatTable } from './table.js';
import { shortAge } from './list.js';
import type { NodeRecord } from '../../node-record.js';

/** Free and total memory, "3.2/15.6G" under the header MEM(FREE/TOTAL): free first, which reads as used/total without the header's word. */
export function memoryColumn(free: number, total: number): string {
  const gib = (n: number) => (n / 2 ** 30).toFixed(1);
  return `${gib(free)}/${gib(total)}G`;
}

/** Free and total bytes of the spool disk, "120/460G"; "-" when the node does not say. */
export function diskColumn(free: number | undefined, total: number | undefined): string {
  if (free === undefined || total === undefined) return '-';
  return `${Math.round(free / 2 ** 30)}/${Math.round(total / 2 ** 30)}G`;
}

/** "2xNVIDIA-A100-SXM4-80GB" (one word, for column tools), "3xGPU" for a mix, "0", or "-" without nvidia-smi. */
export function gpuColumn(gpus: NodeRecord['gpus']): string {
  if (!gpus) return '-';
  if (gpus.length === 0) return '0';
  const names = new Set(gpus.map((g) => g.name));
  return `${gpus.length}x${names.size === 1 ? [...names][0].replace(/\s+/g, '-') : 'GPU'}`;
}

/** The node's tags but node= and host=, which the NODE and HOST columns say already; "-" from an older daemon. */
export function tagsColumn(tags: string[] | undefined): string {
  if (!tags) return '-';
  return tags.filter((t) => !t.startsWith('node=') && !t.startsWith('host=')).join(',') || '-';
}

/** up; draining (told to claim nothing, jobs still running); drained (nothing left running). */
export function nodeState(r: NodeRecord): string {
  if (r.draining !== true) return 'up';
  return r.running.length > 0 ? 'draining' : 'drained';
}

interface NodesArgs extends ConnectionArgs {
  json: boolean;
}

export const nodesCommand: CommandModule<object, NodesArgs> = {
  command: 'nodes',
  describe: 'list the live zkjobd nodes',
  builder: (y) => withConnectionOptions(y).option('json', { type: 'boolean', default: false, describe: 'one JSON object per node instead of the table' }) as unknown as Argv<NodesArgs>,
  handler: async (args) => {
    await withSession(args, async ({ zk, paths }) => {
      const nodes = await listNodes(zk, paths);
      // The drains only add to what the records say: a listing refused for its size must not hide the nodes.
      const drains = await listDrains(zk, paths).catch((err) => {
        if (!(err instanceof DataError)) throw err;
        warn(err.message);
        return new Map<string, Drain>();
      });
      const absent = [...drains.keys()].filter((id) => !nodes.some((n) => n.id === id));
      if (absent.length > 0) warn(`drained, not running: ${absent.join(', ')} (zkjobq undrain NODE)`);
      if (args.json) {
        nodes.forEach((n) => out(JSON.stringify(drains.has(n.id) ? { ...n, drain: drains.get(n.id) } : n)));
        return;
      }
      const now = Date.now();
      const rows = nodes.map(({ id, record: r, error }) => r
        ? [id, nodeState(r), r.host, String(r.slots), String(r.running.length), r.cpus === undefined ? '-' : String(r.cpus), r.load.map((l) => l.toFixed(2)).join(' '),
          memoryColumn(r.memFree, r.memTotal), diskColumn(r.diskFree, r.diskTotal), gpuColumn(r.gpus),
          r.queues.join(','), r.version, shortAge(Math.max(0, (now - Date.parse(r.startedAt)) / 1000)), tagsColumn(r.tags)]
        : [id, 'unreadable', `(${error})`, '', '', '', '', '', '', '', '', '', '', '']);
      out(formatTable(['NODE', 'STATE', 'HOST', 'SLOTS', 'RUNNING', 'CPUS', 'LOAD', 'MEM(FREE/TOTAL)', 'DISK(FREE/TOTAL)', 'GPUS', 'QUEUES', 'VERSION', 'UPTIME', 'TAGS'], rows));
    });
  },
};
