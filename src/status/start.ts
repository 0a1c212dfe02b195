// Starting the status page for zkjobd and zkjobq serve: the view, the
// metrics registry (the queue gauges and default process metrics, merged
// with the daemon's own counters when there is a daemon), and the server.
import { Registry } from 'prom-client';
import type { ZkClient } from '../zk/client.js';
import type { Paths } from '../zk/paths.js';
import type { Logger } from '../log.js';
import { ClusterView } from './cluster-view.js';
import { queueRegistry } from './queue-metrics.js';
import { StatusServer, type StatusOptions } from './status-server.js';

/**
 * Serve the page, or return null when `options` is null or, for a daemon
 * (`log` given), when the address is taken: several daemons on one host
 * share the default port, and the first one serves the same cluster view
 * as the others would. Said once, in the log; the daemon goes on.
 */
export async function startStatusServer(
  options: StatusOptions | null, zk: () => ZkClient, paths: Paths, outputToken: string | null, nodeRegistry: Registry | null, log: Logger | null, nodeId = '',
): Promise<StatusServer | null> {
  if (!options) return null;
  const view = new ClusterView(zk, paths);
  const queues = queueRegistry(view);
  const registry = nodeRegistry ? Registry.merge([queues, nodeRegistry]) : queues;
  const server = new StatusServer(options, view, registry, { zk, paths, outputToken });
  try {
    const port = await server.start();
    log?.info('status page serving', { node: nodeId, url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}/` });
    return server;
  } catch (err) {
    if (!log) throw err;
    log.warn('status page not served: cannot listen', { node: nodeId, bind: `${options.host}:${options.port}`, error: (err as Error).message });
    return null;
  }
}
