// make bench: starts its own ZooKeeper and daemons and prints one table of
// figures, each the median of BENCH_RUNS runs (default 3). Sizes can be cut
// for a quick look: BENCH_DEPTHS, BENCH_PURGE_MAX, BENCH_RSS_JOBS.
import { startStandalone } from '../test/helpers/zk-server.js';
import { log, printTable } from './lib.js';
import { measureLimits } from './limits.js';
import { measureLatency, measureThroughput } from './throughput.js';
import { measureBatch, measureDepths } from './depth.js';
import { measureHerd } from './herd.js';
import { measureMemory } from './memory.js';

process.env.ZK_HEAP ??= '3g'; // a million znodes do not fit the tests' default heap
const zk = await startStandalone();
const connect = zk.connectString;
try {
  log(`ZooKeeper on ${connect}`);
  const limits = await measureLimits(connect);
  await measureThroughput(connect, limits);
  await measureLatency(connect);
  await measureBatch(connect);
  await measureHerd(connect, zk.members[0].port);
  await measureMemory(connect);
  await measureDepths(connect);
} finally {
  await zk.stop();
}
printTable();
