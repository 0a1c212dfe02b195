// zkjobq stat [QUEUE…]: counts per state without reading every job.
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions, withSession, out, warn, type ConnectionArgs } from '../program.js';
import { listQueues, readQueueConfig } from '../../queue.js';
import { queueStats } from '../../queue-stats.js';
import { formatTable } from './table.js';
import { listNodes, type NodeEntry } from '../../node-registry.js';
import { checkQueueName } from '../../job-id.js';

/** Live nodes whose record says they serve the queue: claiming, and draining (claiming nothing). */
function servingNodes(nodes: NodeEntry[], queue: string): { nodes: number; drainingNodes: number } {
  const serving = nodes.filter((n) => n.record?.queues.includes(queue));
  const draining = serving.filter((n) => n.record?.draining === true).length;
  return { nodes: serving.length - draining, drainingNodes: draining };
}

interface StatArgs extends ConnectionArgs {
  queues: string[];
  json: boolean;
}

export const statCommand: CommandModule<object, StatArgs> = {
  command: 'stat [queues..]',
  describe: 'counts per state (held apart from pending), live nodes serving it, oldest pending age and running jobs per node, per queue',
  builder: (y) => withConnectionOptions(y)
    .positional('queues', { type: 'string', array: true, default: [] })
    .option('json', { type: 'boolean', default: false, describe: 'one JSON object per queue instead of the table' }) as unknown as Argv<StatArgs>,
  handler: async (args) => {
    const named = args.queues.map(String).map(checkQueueName);
    await withSession(args, async ({ zk, paths }) => {
      const queues = named.length > 0 ? named : await listQueues(zk, paths);
      const nodes = await listNodes(zk, paths);
      const stats = [];
      for (const queue of queues) stats.push({ ...(await queueStats(zk, paths, queue, await readQueueConfig(zk, paths, queue))), ...servingNodes(nodes, queue) });
      for (const s of stats) if (s.configProblem) warn(`warning: queue ${s.queue}'s config is unreadable (${s.configProblem}); served as paused until 'zkjobq resume ${s.queue}' rewrites it`);
      if (args.json) return stats.forEach((s) => out(JSON.stringify(s)));
      out(formatTable(['QUEUE', 'STATE', 'NODES', 'PENDING', 'HELD', 'RUNNING', 'LIMIT', 'FINISHED', 'OLDEST', 'RUNNING/NODE'], stats.map((s) => [
        s.queue, !s.complete ? 'deleting' : s.paused ? 'paused' : 'active', s.drainingNodes > 0 ? `${s.nodes}+${s.drainingNodes}d` : String(s.nodes), String(s.pending), String(s.held), String(s.running), s.maxRunning === null ? '-' : String(s.maxRunning), String(s.finished),
        s.oldestPendingAge === null ? '-' : `${s.oldestPendingAge}s`,
        Object.entries(s.runningPerNode).map(([n, c]) => `${n}=${c}`).join(',') || '-',
      ])));
    });
  },
};
