#!/usr/bin/python3
"""The benchmark's yardstick: a consumer of kazoo's LockingQueue recipe.

  kazoo-consumer.py HOSTS PATH fill N    put N items (in transactions of 500)
  kazoo-consumer.py HOSTS PATH consume   print "ready", wait for a line on
      stdin, then get/lock an item, run /bin/true for it, consume it, until
      the queue is empty; print "COUNT FIRST LAST" (epoch seconds of the
      first get and of the last consume), so that the end-of-queue timeout
      is not counted.

Run with Debian's python3 (python3-kazoo); a pyenv python would not see it.
"""
import subprocess
import sys
import time

from kazoo.client import KazooClient
from kazoo.recipe.queue import LockingQueue


def main():
    hosts, path, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    zk = KazooClient(hosts=hosts)
    zk.start()
    queue = LockingQueue(zk, path)
    if mode == "fill":
        count = int(sys.argv[4])
        for start in range(0, count, 500):
            queue.put_all([b'["/bin/true"]'] * min(500, count - start))
    else:
        print("ready", flush=True)
        sys.stdin.readline()
        done, first, last = 0, time.time(), time.time()
        while True:
            item = queue.get(timeout=0.5)
            if item is None:
                break
            subprocess.run(["/bin/true"], check=False)
            queue.consume()
            done += 1
            last = time.time()
        print(done, first, last, flush=True)
    zk.stop()
    zk.close()


if __name__ == "__main__":
    main()
