// The tags a daemon offers to jobs that --require them (placement.ts): those
// of its configuration, plus what anyone could tell of the node anyway, so
// that a job can ask for them without each operator having to write them:
// os=, arch=, host=, node= (what pins a copy of an --every-node job to this
// node and no other), and gpu while nvidia-smi finds one.
import os from 'node:os';
import { nodeTag, normaliseTags } from '../placement.js';
import type { Hardware } from '../hardware.js';

export function nodeTags(configured: readonly string[], nodeId: string, hardware: Hardware | undefined): string[] {
  const automatic = [`os=${process.platform}`, `arch=${process.arch}`, `host=${os.hostname()}`, nodeTag(nodeId)];
  if ((hardware?.gpus?.length ?? 0) > 0) automatic.push('gpu');
  // A host name that is no valid tag (rare: too long) is left out rather than refused.
  return normaliseTags([...configured, ...automatic.filter(isTag)]);
}

function isTag(tag: string): boolean {
  try {
    normaliseTags([tag]);
    return true;
  } catch {
    return false;
  }
}
