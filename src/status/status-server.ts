// The status page's HTTP server: served by every zkjobd on status_bind
// (default 127.0.0.1:22581) and by `zkjobq serve`. Read-only.
//
//   GET /                      the page (page/index.html, style.css, app.js: no build step, no CDN)
//   GET /api/cluster           the whole snapshot (snapshot.ts); /api/queues, /api/nodes,
//                              /api/running, /api/recent, /api/failures, /api/activity: its parts
//   GET /api/events            server-sent events: one `cluster` event per refresh while connected
//   GET /api/jobs/Q/SEQ        one job; …/stdout and …/stderr: its output, followed while it runs
//   GET /metrics               Prometheus text format (prom-client)
//
// A bind that is not loopback needs a token (parseStatusBind refuses one
// without); requests then carry "Authorization: Bearer TOKEN", or the
// cookie that opening any URL with ?token=TOKEN sets, so that a browser
// and its EventSource can follow.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { ClusterView } from './cluster-view.js';
import type { ClusterSnapshot } from './snapshot.js';
import { json, parseJobPath, sendJob, sendOutput, type JobApiContext } from './job-api.js';

export interface StatusOptions {
  host: string;
  port: number;
  /** Required unless host is loopback. */
  token: string | null;
}

/** The page's files, next to this module in the source tree (dist/ has only the compiled code). */
const PAGE_DIR = (() => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const dir of [path.join(here, 'page'), path.resolve(here, '../../../src/status/page')]) {
    try {
      readFileSync(path.join(dir, 'index.html'));
      return dir;
    } catch {
      // next candidate
    }
  }
  return path.join(here, 'page');
})();
const STATIC: Record<string, string> = {
  '/': 'index.html', '/index.html': 'index.html', '/static/style.css': 'style.css', '/static/app.js': 'app.js', '/favicon.svg': 'favicon.svg',
};
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.svg': 'image/svg+xml' };
const PARTS: Record<string, (s: ClusterSnapshot) => unknown> = {
  '/api/queues': (s) => s.queues, '/api/nodes': (s) => s.nodes, '/api/running': (s) => s.running,
  '/api/recent': (s) => s.recent, '/api/failures': (s) => s.failures, '/api/activity': (s) => s.activity,
};
const MAX_EVENT_STREAMS = 200;
const PING_MS = 15_000;
const COOKIE = 'zkjobs_status';

export class StatusServer {
  private server: http.Server | null = null;
  private streams = 0;
  /** The port bound, once started. */
  port = 0;

  constructor(
    private readonly options: StatusOptions,
    private readonly view: ClusterView,
    private readonly registry: Registry,
    private readonly jobs: JobApiContext,
  ) {}

  /** Listen; resolves with the port bound (0 picks one). Rejects with the listen error (EADDRINUSE…). */
  async start(): Promise<number> {
    const server = http.createServer((req, res) => void this.handle(req, res).catch((err: Error) => {
      if (!res.headersSent) json(res, 500, { error: err.message });
      else res.destroy();
    }));
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(this.options.port, this.options.host, resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  stop(): void {
    this.view.stop();
    this.server?.close();
    this.server?.closeAllConnections();
  }

  private authorized(req: http.IncomingMessage, url: URL): boolean {
    const token = this.options.token;
    if (!token) return true;
    const cookie = /(?:^|;\s*)zkjobs_status=([^;]*)/.exec(req.headers.cookie ?? '')?.[1];
    const given = [req.headers.authorization ?? '', cookie ? `Bearer ${decodeURIComponent(cookie)}` : '', `Bearer ${url.searchParams.get('token') ?? ''}`];
    const wanted = Buffer.from(`Bearer ${token}`);
    return given.some((g) => Buffer.byteLength(g) === wanted.length && timingSafeEqual(Buffer.from(g), wanted));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://status');
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'read-only: GET only' });
    if (!this.authorized(req, url)) return json(res, 401, { error: 'not authorized: open the page with ?token=TOKEN, or send Authorization: Bearer TOKEN' });
    if (this.options.token && url.searchParams.has('token')) {
      // Keep the token in a cookie and out of the address bar (and of anything that logs URLs).
      const cookie = `${COOKIE}=${encodeURIComponent(this.options.token)}; HttpOnly; SameSite=Strict; Path=/`;
      url.searchParams.delete('token');
      res.writeHead(303, { 'set-cookie': cookie, location: `${url.pathname}${url.search}` });
      return void res.end();
    }
    const page = STATIC[url.pathname];
    if (page) return this.sendFile(res, page);
    if (url.pathname === '/metrics') return this.sendMetrics(res);
    if (url.pathname === '/api/events') return this.sendEvents(req, res);
    if (url.pathname === '/api/cluster') return json(res, 200, await this.view.current());
    const part = PARTS[url.pathname];
    if (part) return json(res, 200, part(await this.view.current()));
    if (url.pathname === '/api' || url.pathname === '/api/') return json(res, 200, { endpoints: ['/api/cluster', ...Object.keys(PARTS), '/api/events', '/api/jobs/QUEUE/SEQ', '/api/jobs/QUEUE/SEQ/stdout', '/api/jobs/QUEUE/SEQ/stderr', '/metrics'] });
    const job = url.pathname.startsWith('/api/jobs/') ? parseJobPath(url.pathname.slice('/api/jobs/'.length)) : null;
    if (job?.stream) return sendOutput(this.jobs, job.id, job.stream, res);
    if (job) return sendJob(this.jobs, job.id, res);
    json(res, 404, { error: 'no such resource' });
  }

  private sendFile(res: http.ServerResponse, name: string): void {
    let body: Buffer;
    try {
      body = readFileSync(path.join(PAGE_DIR, name));
    } catch {
      return json(res, 500, { error: `the page's file ${name} is missing from this installation` });
    }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(name)] ?? 'application/octet-stream',
      'cache-control': 'no-cache',
      'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'",
      'x-content-type-options': 'nosniff',
    });
    res.end(body);
  }

  private async sendMetrics(res: http.ServerResponse): Promise<void> {
    const body = await this.registry.metrics();
    res.writeHead(200, { 'content-type': this.registry.contentType });
    res.end(body);
  }

  /** One `cluster` event per refresh; the refresh loop runs only while a stream is open. */
  private sendEvents(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.streams >= MAX_EVENT_STREAMS) return json(res, 503, { error: 'too many open pages on this server' });
    this.streams++;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 3000\n\n');
    const unsubscribe = this.view.subscribe((snapshot) => res.write(`event: cluster\ndata: ${JSON.stringify(snapshot)}\n\n`));
    const ping = setInterval(() => res.write(': ping\n\n'), PING_MS);
    req.on('close', () => {
      this.streams--;
      clearInterval(ping);
      unsubscribe();
    });
  }
}
