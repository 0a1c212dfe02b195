// One client of the raw-write measurement: N pipelined sequential creates
// under a parent, 512 in flight, then prints the elapsed milliseconds.
import { ZkClient } from '../src/zk/client.js';

const [connect, parent, countText] = process.argv.slice(2);
const count = Number(countText);
const zk = await ZkClient.connect({ connect });
await zk.mkdirp(parent);
const started = performance.now();
const inFlight: Promise<string>[] = [];
for (let i = 0; i < count; i++) {
  inFlight.push(zk.create(`${parent}/w-`, 'x', 'persistent-sequential'));
  if (inFlight.length >= 512) await inFlight.shift();
}
await Promise.all(inFlight);
process.stdout.write(`${performance.now() - started}\n`);
zk.close();
