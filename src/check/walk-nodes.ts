// The fleet's node records (ROOT/nodes), checked once per whole-tree run.
// With the fleet's identities configured (`zkjobq init`, fleet-access.ts),
// a node record names the address that clients send their output token to:
// one left open by an older zkjobs, or a ROOT/nodes that anyone may create
// records under, lets anyone point clients elsewhere. Without them (or when
// this client may not read them) there is nothing to expect, and nothing
// is reported.
import type { ZkClient } from '../zk/client.js';
import type { Paths } from '../zk/paths.js';
import { retry } from '../zk/retry.js';
import { NoAuthError } from '../zk/errors.js';
import { fleetAccessOf, nodesAcl } from '../fleet-access.js';
import { isOpenAcl, lockAcl } from '../acl.js';
import { listBounded, MAX_LIST } from './bounded.js';
import { openAclFinding } from './context.js';
import type { Finding } from './finding.js';

/** What findings about the fleet carry as their queue. */
export const FLEET = '(fleet)';

export async function walkNodes(zk: ZkClient, paths: Paths): Promise<Finding[]> {
  const fleet = await readableFleet(zk, paths);
  if (!fleet) return [];
  const findings: Finding[] = [];
  const relative = (path: string) => path.slice(paths.root === '/' ? 1 : paths.root.length + 1);
  const parentAcl = await retry(() => zk.getAcl(paths.nodes())).catch(() => null);
  if (parentAcl && isOpenAcl(parentAcl)) {
    findings.push({
      queue: FLEET, kind: 'nodes-open-acl', znode: relative(paths.nodes()), job: null,
      problem: 'anyone may create node records here, and so point clients to an address of theirs',
      repair: 'set its ACL: only daemons add records, everyone reads', fix: { op: 'set-acl', path: paths.nodes(), acl: nodesAcl(fleet) },
    });
  }
  const listing = await listBounded(zk, paths.nodes(), MAX_LIST);
  if (listing.kind !== 'ok') return findings;
  const acl = lockAcl(fleet.daemons, fleet.admins);
  for (const id of listing.names.sort()) {
    const path = paths.node(id);
    findings.push(...(await openAclFinding(zk, path, acl, { queue: FLEET, kind: 'node-open-acl', znode: relative(path), job: null })));
  }
  return findings;
}

/** The fleet's identities, or null when none are set or this client may not read them. */
export async function readableFleet(zk: ZkClient, paths: Paths) {
  try {
    return await retry(() => fleetAccessOf(zk, paths));
  } catch (err) {
    if (err instanceof NoAuthError) return null;
    throw err;
  }
}
