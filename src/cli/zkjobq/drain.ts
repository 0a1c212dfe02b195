// zkjobq drain|undrain NODE…: make nodes claim nothing new while the jobs
// they run finish, and let them claim again (drain.ts). A node that is not
// running may be drained: it starts drained, and the command says so on
// stderr, since a mistyped node id looks just like that.
import type { Argv, CommandModule } from 'yargs';
import { setTimeout as delay } from 'node:timers/promises';
import { withConnectionOptions, withSession, out, warn, type ConnectionArgs, type Session } from '../program.js';
import { drainNode, MAX_REASON, newDrainRequest, readDrain, undrainNode } from '../../drain.js';
import { readNode, type NodeEntry } from '../../node-registry.js';
import { checkName } from '../../job-id.js';
import { UsageError, ZkjobsError } from '../../errors.js';

interface DrainArgs extends ConnectionArgs {
  nodes: string[];
  reason?: string;
  wait?: boolean;
}

/** How often --wait looks at the node records: daemons rewrite them at most once a second. */
const WAIT_POLL_MS = 1_000;

const nodesArg = (y: Argv) => withConnectionOptions(y).positional('nodes', { type: 'string', array: true, demandOption: true, describe: 'node ids (zkjobd --node-id), as zkjobq nodes lists them' });

/** Every name checked before anything is changed: a bad one changes nothing (exit 65). */
function nodeNames(args: DrainArgs): string[] {
  return [...new Set(args.nodes.map(String))].map((n) => checkName('node', n));
}

function checkReason(reason: unknown): string | undefined {
  if (reason === undefined) return undefined;
  const text = String(reason);
  // eslint-disable-next-line no-control-regex
  if (text.trim() === '' || text.length > MAX_REASON || /[\u0000-\u001f\u007f]/.test(text)) throw new UsageError(`--reason must be one line of 1 to ${MAX_REASON} characters`);
  return text;
}

/** What a node does now by its record: "draining" while jobs it claimed still run, else "drained". */
function drainState(entry: NodeEntry | null): string {
  const running = entry?.record?.running.length ?? 0;
  return running > 0 ? `draining, ${running} job${running === 1 ? '' : 's'} still running` : 'drained';
}

/** Drained once its record says it drains and runs nothing, or no daemon of that id is live. */
function isDrained(entry: NodeEntry | null): boolean {
  return entry === null || (entry.record?.draining === true && entry.record.running.length === 0);
}

async function waitDrained({ zk, paths }: Session, node: string): Promise<void> {
  for (;;) {
    if (isDrained(await readNode(zk, paths, node))) return;
    if (!(await readDrain(zk, paths, node))) throw new ZkjobsError(`node ${node} was undrained while waiting for it to drain`);
    await delay(WAIT_POLL_MS);
  }
}

export const drainCommand: CommandModule<object, DrainArgs> = {
  command: 'drain <nodes..>',
  describe: 'make nodes claim no new jobs; the jobs they run finish (remembered across daemon restarts)',
  builder: (y) => nodesArg(y)
    .option('reason', { type: 'string', requiresArg: true, describe: `why, for whoever looks later (one line, at most ${MAX_REASON} characters)` })
    .option('wait', { type: 'boolean', default: false, describe: 'return once every node named runs no job any more' }) as unknown as Argv<DrainArgs>,
  handler: async (args) => {
    const nodes = nodeNames(args);
    const request = newDrainRequest(checkReason(args.reason));
    await withSession(args, async (session) => {
      for (const node of nodes) {
        await drainNode(session.zk, session.paths, node, request);
        const entry = await readNode(session.zk, session.paths, node);
        if (!entry) warn(`node ${node} is not running now; it will start drained`);
        if (!args.wait) out(`${node}: ${drainState(entry)}`);
      }
      if (!args.wait) return;
      for (const node of nodes) {
        await waitDrained(session, node);
        out(`${node}: drained`);
      }
    });
  },
};

export const undrainCommand: CommandModule<object, DrainArgs> = {
  command: 'undrain <nodes..>',
  describe: 'let drained nodes claim jobs again',
  builder: (y) => nodesArg(y) as unknown as Argv<DrainArgs>,
  handler: async (args) => {
    const nodes = nodeNames(args);
    await withSession(args, async ({ zk, paths }) => {
      for (const node of nodes) {
        if (!(await undrainNode(zk, paths, node))) warn(`node ${node} was not drained`);
        out(`${node}: undrained`);
      }
    });
  },
};
