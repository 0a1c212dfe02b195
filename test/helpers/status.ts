// The status page's server in tests: where a daemon or `zkjobq serve` says
// it listens (each test binds port 0, never the default 22581), its JSON,
// and its server-sent events.
import { spawn, type ChildProcess } from 'node:child_process';
import type { DaemonProcess } from './cli.js';
import { bin } from './cli.js';
import { waitFor } from './zk-server.js';

/** Arguments that give a test daemon a status page on a free port. */
export const STATUS_ON_FREE_PORT = ['--status-bind', '127.0.0.1:0'];

export async function statusUrl(daemon: DaemonProcess): Promise<string> {
  await daemon.waitForLog(/status page serving/);
  return /status page serving .*url=(http:\/\/\S+\/)/.exec(daemon.log)![1];
}

export async function getJson<T = unknown>(url: string, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(url, { headers });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** `zkjobq serve` on a free port; resolves once it listens. */
export class ServeProcess {
  readonly child: ChildProcess;
  stderr = '';

  constructor(args: string[]) {
    this.child = spawn(bin('zkjobq'), ['serve', '--bind', '127.0.0.1:0', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child.stderr!.on('data', (c) => (this.stderr += c));
  }

  async url(): Promise<string> {
    await waitFor('zkjobq serve to listen', () => {
      if (this.child.exitCode !== null) throw new Error(`zkjobq serve exited ${this.child.exitCode}: ${this.stderr}`);
      return /serving (http:\/\/\S+\/)/.test(this.stderr);
    }, 20_000);
    return /serving (http:\/\/\S+\/)/.exec(this.stderr)![1];
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }
}

/** Read server-sent events until `until` accepts one event's data (bounded by timeoutMs). */
export async function waitForEvent<T>(url: string, until: (data: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const res = await fetch(url, { signal: controller.signal });
    if (!res.ok || !res.body) throw new Error(`GET ${url}: ${res.status}`);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = event.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
        if (data && until(JSON.parse(data) as T)) return JSON.parse(data) as T;
      }
    }
    throw new Error(`${url}: the stream ended`);
  } catch (err) {
    if (controller.signal.aborted) throw new Error(`${url}: no matching event within ${timeoutMs} ms`);
    throw err;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}
