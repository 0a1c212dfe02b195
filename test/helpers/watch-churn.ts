// Fires N child watches through the project's ZooKeeper wrapper and prints
// the JS heap and resident memory before and after, as JSON. Run with
// --expose-gc; used by the binding-patch test and the benchmark.
import { ZkClient } from '../../src/zk/client.js';

const [connect, count] = [process.argv[2], Number(process.argv[3] ?? 5000)];
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const zk = await ZkClient.connect({ connect });
const base = `/watch-churn-${process.pid}`;
await zk.mkdirp(base);

async function fireOnce(): Promise<void> {
  const fired = new Promise<void>((resolve) => void zk.watchChildren(base, resolve));
  await zk.create(`${base}/c`, '', 'ephemeral');
  await fired;
  await zk.delete(`${base}/c`);
}

// Warm up so that allocator and JIT settle before measuring.
for (let i = 0; i < 1000; i++) await fireOnce();
gc();
const before = process.memoryUsage();
for (let i = 0; i < count; i++) await fireOnce();
gc();
const after = process.memoryUsage();
zk.close();
process.stdout.write(`${JSON.stringify({ count, heapBefore: before.heapUsed, heapAfter: after.heapUsed, rssBefore: before.rss, rssAfter: after.rss })}\n`);
