// A small HTTP endpoint that serves jobs' spooled output, so that
// `zkjobc logs -f` can follow a job from any node. GET
// /jobs/QUEUE/SEQ/stdout|stderr[?follow=1]; with follow the response goes
// on until the job has ended and its file is sent. When a token is set,
// requests must carry "Authorization: Bearer TOKEN".
import http from 'node:http';
import { closeSync, constants, createReadStream, fstatSync, openSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { checkQueueName, parseSeq, type JobId } from '../job-id.js';
import { spoolFile, type Stream } from './output-spool.js';

export interface HttpOptions {
  host: string;
  port: number;
  token: string | null;
}

const FOLLOW_POLL_MS = 200;

export class HttpEndpoint {
  private server: http.Server | null = null;

  constructor(
    private readonly options: HttpOptions,
    private readonly spoolDir: string,
    private readonly isRunning: (id: JobId) => boolean,
  ) {}

  /** Listen; resolves with the port actually bound (port 0 picks one). */
  async start(): Promise<number> {
    this.server = http.createServer((req, res) => void this.handle(req, res).catch(() => res.destroy()));
    await new Promise<void>((resolve, reject) => this.server!.once('error', reject).listen(this.options.port, this.options.host, resolve));
    return (this.server.address() as AddressInfo).port;
  }

  stop(): void {
    this.server?.close();
    this.server?.closeAllConnections();
  }

  private authorized(req: http.IncomingMessage): boolean {
    if (!this.options.token) return true;
    const given = Buffer.from(req.headers.authorization ?? '');
    const wanted = Buffer.from(`Bearer ${this.options.token}`);
    return given.length === wanted.length && timingSafeEqual(given, wanted);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!this.authorized(req)) return void res.writeHead(401).end('not authorized\n');
    const url = new URL(req.url ?? '/', 'http://x');
    const match = /^\/jobs\/([^/]+)\/(\d+)\/(stdout|stderr)$/.exec(url.pathname);
    const seq = match ? parseSeq(match[2]) : null;
    if (!match || seq === null) return void res.writeHead(404).end('no such resource\n');
    let id: JobId;
    try {
      id = { queue: checkQueueName(match[1]), seq };
    } catch {
      return void res.writeHead(404).end('no such resource\n');
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    await this.send(res, id, match[3] as Stream, url.searchParams.get('follow') === '1');
  }

  /** Send the file from `offset`; with follow, keep sending what is appended until the job ends. */
  private async send(res: http.ServerResponse, id: JobId, stream: Stream, follow: boolean): Promise<void> {
    const file = spoolFile(this.spoolDir, id, stream);
    let offset = 0;
    for (;;) {
      const running = this.isRunning(id);
      const spooled = openSpooled(file);
      if (spooled && spooled.size > offset) {
        await pipeRange(spooled.fd, offset, spooled.size, res);
        offset = spooled.size;
      } else if (spooled) closeSync(spooled.fd);
      if (!follow || (!running && (openSize(file) === offset)) || res.destroyed) break;
      await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
    }
    res.end();
  }
}

/**
 * Open a spool file to read, or null when there is none. The job's user
 * owns the file's directory, so only a plain file with one link is read:
 * never a symlink or hard link it put there to make root read something else.
 */
function openSpooled(file: string): { fd: number; size: number } | null {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  const stat = fstatSync(fd);
  if (stat.isFile() && stat.nlink === 1) return { fd, size: stat.size };
  closeSync(fd);
  return null;
}

function openSize(file: string): number {
  const spooled = openSpooled(file);
  if (!spooled) return 0;
  closeSync(spooled.fd);
  return spooled.size;
}

/** Send bytes [start, end) of the open file, then close it. */
function pipeRange(fd: number, start: number, end: number, res: http.ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const reader = createReadStream('', { fd, start, end: end - 1, autoClose: true });
    reader.on('error', reject);
    reader.on('end', resolve);
    reader.pipe(res, { end: false });
  });
}
