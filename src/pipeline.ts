// Many independent ZooKeeper requests in flight over one connection, at most
// `window` at a time: what makes purging or listing a deep queue take
// seconds instead of one round trip per job. Results come back in order.
export async function* pipelined<T, R>(items: AsyncIterable<T> | Iterable<T>, window: number, work: (item: T) => Promise<R>): AsyncGenerator<R> {
  const inFlight: Promise<R>[] = [];
  for await (const item of items) {
    const next = work(item);
    next.catch(() => undefined); // awaited below, in order
    inFlight.push(next);
    if (inFlight.length >= window) yield await inFlight.shift()!;
  }
  while (inFlight.length > 0) yield await inFlight.shift()!;
}
