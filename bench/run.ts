// make bench: starts its own ZooKeeper and daemons and prints one table of
// figures, each the median of BENCH_RUNS runs (default 3). Sizes can be cut
// for a quick look: BENCH_DEPTHS, BENCH_PURGE_MAX, BENCH_RSS_JOBS; BENCH_ONLY
// names the sections to run (comma-separated: limits, throughput, kazoo,
// latency, cli, batch, herd, trickle, queue-limit, memory, depths, status,
// check, placement), all by default. BENCH_TRICKLE_JOBS sizes trickle
// (default 50), BENCH_PLACEMENT_AHEAD the placement section (default
// 100000). kazoo runs zkjobs side by side with kazoo's LockingQueue
// (BENCH_KAZOO_JOBS, default 2000); cli times the CLIs against `node -e 0`.
// BENCH_CHECK_DEPTH sizes the check section (default 100000), BENCH_STATUS_DEPTHS
// the status page's (default 1000,1000000).
import { startStandalone } from '../test/helpers/zk-server.js';
import { log, printTable } from './lib.js';
import { measureLimits } from './limits.js';
import { measureLatency, measureThroughput } from './throughput.js';
import { measureDepths } from './depth.js';
import { measureBatch } from './batch.js';
import { measureHerd, measureTrickle } from './herd.js';
import { measureMemory } from './memory.js';
import { measureQueueLimit } from './queue-limit.js';
import { measureStatus } from './status.js';
import { measureCheck } from './check.js';
import { measurePlacement } from './placement.js';
import { measureSideBySide } from './side-by-side.js';
import { measureCliStart } from './cli-start.js';

process.env.ZK_HEAP ??= '3g'; // a million znodes do not fit the tests' default heap
const zk = await startStandalone();
const connect = zk.connectString;
try {
  log(`ZooKeeper on ${connect}`);
  const port = zk.members[0].port;
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
  const wanted = (section: string) => !only || only.includes(section);
  if (wanted('limits') || wanted('throughput')) {
    const limits = await measureLimits(connect);
    if (wanted('throughput')) await measureThroughput(connect, limits);
  }
  if (wanted('kazoo')) await measureSideBySide(connect, zk.members[0].pid()!);
  if (wanted('latency')) await measureLatency(connect);
  if (wanted('cli')) await measureCliStart(connect);
  if (wanted('batch')) await measureBatch(connect);
  if (wanted('herd')) await measureHerd(connect, port);
  if (wanted('trickle')) await measureTrickle(connect);
  if (wanted('queue-limit')) await measureQueueLimit(connect, port);
  if (wanted('memory')) await measureMemory(connect);
  if (wanted('depths')) await measureDepths(connect);
  if (wanted('status')) await measureStatus(connect);
  if (wanted('check')) await measureCheck(connect);
  if (wanted('placement')) await measurePlacement(connect);
} finally {
  await zk.stop();
}
printTable();
