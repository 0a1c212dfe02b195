// The status page's reads of ZooKeeper, counted: every refresh reports how
// many requests it made, so that the bound the design promises (a fixed
// number per queue and per node, never one per job) can be measured by the
// benchmark and seen in /api/cluster. Read-only; the whole refresh runs under
// the one retry policy (cluster-view.ts), as every operation does.
import type { ZkClient, Stat } from '../zk/client.js';

export class CountedReads {
  count = 0;

  constructor(private readonly zk: ZkClient) {}

  children(path: string): Promise<string[]> {
    this.count++;
    return this.zk.childrenOrEmpty(path);
  }

  stat(path: string): Promise<Stat | null> {
    this.count++;
    return this.zk.exists(path);
  }

  get(path: string): Promise<{ data: Buffer; stat: Stat } | null> {
    this.count++;
    return this.zk.getOrNull(path);
  }
}

/** A map that forgets its oldest entries past `max`: caches of immutable records. */
export class BoundedCache<V> {
  private readonly map = new Map<string, V>();

  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }

  delete(key: string): void {
    this.map.delete(key);
  }
}
