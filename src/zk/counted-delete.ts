// A delete whose caller counts what it removed (purge's "purged N jobs").
// Under `retry`, a delete whose reply a lost connection swallowed runs again
// and meets NoNode: the node is gone, but by our own hand. Counting that as
// "already gone" made a purge of 20,000 jobs through a connection blip print
// 19,843. So once an attempt may have reached the server, a NoNode on a
// later attempt is taken as ours. The one case this miscounts is another
// client deleting the same node inside that blip, which overcounts by one;
// callers that hold the job's claim (purge of a pending job) cannot race.
import type { ZkClient } from './client.js';
import { retry } from './retry.js';

/** Delete `path` under the retry policy; true when this call removed it, in any attempt. */
export async function deleteCounted(zk: ZkClient, path: string): Promise<boolean> {
  let sentBefore = false;
  return retry(async () => {
    const mayHaveApplied = sentBefore;
    sentBefore = true;
    return (await zk.deleteIfExists(path)) || mayHaveApplied;
  });
}
