// One client of the raw-write measurement: N pipelined creates, 512 in
// flight, then prints the elapsed milliseconds (from connected to the last
// reply). Usage: zk-writer.js CONNECT PARENT COUNT [BYTES] [flat|buckets|remove]
//  - flat (default): sequential creates of BYTES-byte znodes under PARENT;
//  - buckets: the shape a batch submit writes, numbered znodes of BYTES
//    bytes in container buckets of BUCKET_SIZE, each bucket made when its
//    first number comes, so the two can be compared create for create;
//  - remove: delete what an earlier run wrote under PARENT, pipelined, so
//    that a million raw znodes do not weigh on the figures that follow (a
//    process of its own, so that the writer's wall time is the writing).
import { ZkClient } from '../src/zk/client.js';
import { BUCKET_SIZE } from '../src/zk/paths.js';

const [connect, parent, countText, bytesText = '1', shape = 'flat'] = process.argv.slice(2);
const count = Number(countText);
const data = Buffer.alloc(Number(bytesText), 'x');
const WINDOW = 512;
const name = (n: number, width = 10) => String(n).padStart(width, '0');

async function pipelined(total: number, one: (i: number) => Promise<unknown>): Promise<void> {
  const inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    inFlight.push(one(i));
    if (inFlight.length >= WINDOW) await inFlight.shift();
  }
  await Promise.all(inFlight);
}

async function writeBucketed(zk: ZkClient): Promise<void> {
  let bucket = -1;
  await pipelined(count, async (i) => {
    const seq = i + 1; // a queue's first job number is 1
    const b = Math.floor(seq / BUCKET_SIZE) * BUCKET_SIZE;
    if (b !== bucket) {
      bucket = b;
      await zk.createIfAbsent(`${parent}/${name(b)}`, '', 'container');
    }
    return zk.create(`${parent}/${name(b)}/${name(seq)}`, data, 'persistent');
  });
}

async function removeAll(zk: ZkClient): Promise<void> {
  for (const child of await zk.childrenOrEmpty(parent)) {
    const under = await zk.childrenOrEmpty(`${parent}/${child}`);
    await pipelined(under.length, (i) => zk.deleteIfExists(`${parent}/${child}/${under[i]}`));
    await zk.deleteIfExists(`${parent}/${child}`);
  }
  await zk.deleteIfExists(parent);
}

const zk = await ZkClient.connect({ connect });
if (shape === 'remove') {
  await removeAll(zk);
} else {
  await zk.mkdirp(parent);
  const started = performance.now();
  if (shape === 'buckets') await writeBucketed(zk);
  else await pipelined(count, () => zk.create(`${parent}/w-`, data, 'persistent-sequential'));
  process.stdout.write(`${performance.now() - started}\n`);
}
zk.close();
