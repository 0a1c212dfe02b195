// The --every-node group's side of zkjobc: wait for every copy and report
// per node; print every node's output prefixed with its name (like
// `pdsh | dshbak`), or write one file per node.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Paths } from '../../zk/paths.js';
import type { ZkClient } from '../../zk/client.js';
import { waitForGroup, describeCopy, type CopyOutcome } from '../../group-wait.js';
import { parseGroup, type Group } from '../../every-node.js';
import { exitStatusOf } from './status.js';
import { endpointOf, fetchOutput, type OutputStream } from '../../job-output.js';
import { formatJobId } from '../../job-id.js';
import { DataError, EXIT, UnavailableError } from '../../errors.js';
import { writeStderr, writeStdout } from '../stdio.js';

/** Wait for every copy; a summary line per node on stderr; the exit status: 0 when all succeeded, else the highest. */
export async function waitGroupAndReport(zk: ZkClient, paths: Paths, group: Group): Promise<number> {
  const copies = await waitForGroup(zk, paths, group);
  let highest = 0;
  for (const c of copies) {
    const code = c.checked ? exitStatusOf(c.checked, formatJobId(c.id)) : EXIT.FAILURE;
    highest = Math.max(highest, code);
  }
  if (highest !== 0) for (const c of copies) writeStderr(`${describeCopy(c)}\n`);
  return highest;
}

export { parseGroup };

/** Every node's output of the group, once every copy has ended. */
export async function groupOutput(zk: ZkClient, paths: Paths, group: Group, which: OutputStream, token: string | null, dir: string | undefined): Promise<void> {
  const copies = await waitForGroup(zk, paths, group);
  if (dir !== undefined) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw new DataError(`cannot make ${dir}: ${(err as Error).message}`);
    }
  }
  for (const copy of copies) {
    const text = await outputOf(zk, paths, copy, which, token);
    if (dir !== undefined) writeFileSync(path.join(dir, copy.node), text);
    else for (const line of splitLines(text)) writeStdout(`${copy.node}: ${line}\n`);
  }
}

async function outputOf(zk: ZkClient, paths: Paths, copy: CopyOutcome, which: OutputStream, token: string | null): Promise<string> {
  const result = copy.checked?.result;
  if (!result) return '';
  // A copy that never started (node lost) has no output anywhere.
  if (result.startedAt === null) return which === 'stdout' ? result.stdoutTail : result.stderrTail;
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of await fetchOutput(await endpointOf(zk, paths, copy.node, token), copy.id, which, false, token)) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks).toString('utf8');
  } catch (err) {
    if (!(err instanceof UnavailableError)) throw err;
    writeStderr(`zkjobc: ${copy.node}: ${err.message}; using the last ${which} kept with the result\n`);
    return which === 'stdout' ? result.stdoutTail : result.stderrTail;
  }
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
