// The drain requests (ROOT/drains, drain.ts), checked once per whole-tree
// run. Once the fleet's identities are set (`zkjobq init`) only admins may
// drain: a drains/ parent or a request that anyone may change (made by an
// older zkjobs, or left by an init that crashed half-way) lets anyone take
// nodes out of service or put them back. A request whose data zkjobs
// cannot read still drains its node (drain.ts): said, not repaired, since
// removing it would undrain a node that someone meant to drain.
import type { ZkClient } from '../zk/client.js';
import type { Paths } from '../zk/paths.js';
import { drainsAcl } from '../fleet-access.js';
import { isOpenAcl } from '../acl.js';
import { isNodeName, MAX_DRAINS, readDrain } from '../drain.js';
import { retry } from '../zk/retry.js';
import { NoNodeError } from '../zk/errors.js';
import { listBounded } from './bounded.js';
import { FLEET, readableFleet } from './walk-nodes.js';
import type { Finding } from './finding.js';

export async function walkDrains(zk: ZkClient, paths: Paths): Promise<Finding[]> {
  const fleet = await readableFleet(zk, paths);
  const findings: Finding[] = [];
  const relative = (path: string) => path.slice(paths.root === '/' ? 1 : paths.root.length + 1);
  const acl = fleet ? drainsAcl(fleet) : null;
  const setAcl = (path: string) => (acl ? { op: 'set-acl' as const, path, acl } : null);
  if (acl && (await isOpen(zk, paths.drains()))) {
    findings.push({
      queue: FLEET, kind: 'drains-open-acl', znode: relative(paths.drains()), job: null,
      problem: 'anyone may drain or undrain nodes here', repair: 'set its ACL: admins drain and undrain, everyone reads', fix: setAcl(paths.drains()),
    });
  }
  const listing = await listBounded(zk, paths.drains(), MAX_DRAINS);
  if (listing.kind !== 'ok') return findings;
  for (const name of listing.names.sort()) {
    const path = paths.drain(name);
    const base = { queue: FLEET, znode: relative(path), job: null };
    if (!isNodeName(name)) {
      findings.push({ ...base, kind: 'drain-bad-name', problem: 'not a node id: it drains no node', repair: 'none: remove it by hand if it is junk', fix: null });
      continue;
    }
    const drain = await readDrain(zk, paths, name);
    if (drain?.problem) {
      findings.push({ ...base, kind: 'drain-unparseable', problem: `node ${name} is drained by a request zkjobs cannot read (${drain.problem})`, repair: `none: it drains the node all the same; zkjobq undrain ${name} removes it`, fix: null });
    }
    if (acl && (await isOpen(zk, path))) {
      findings.push({ ...base, kind: 'drain-open-acl', problem: `anyone may undrain node ${name} or rewrite why it is drained`, repair: 'set its ACL: admins change it, everyone reads', fix: setAcl(path) });
    }
  }
  return findings;
}

async function isOpen(zk: ZkClient, path: string): Promise<boolean> {
  try {
    return isOpenAcl(await retry(() => zk.getAcl(path)));
  } catch (err) {
    if (err instanceof NoNodeError) return false;
    throw err;
  }
}
