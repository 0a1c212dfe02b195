// /metrics on the status server, read with a Prometheus text-format parser
// that is not ours: the daemon's counters move as jobs run, the per-queue
// gauges come from ZooKeeper, and prom-client's process metrics are there.
// zkjobq serve has the queue gauges but no daemon counters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';
import { standaloneFixture } from '../helpers/fixture.js';
import { freshRoot, ok, run, startDaemon } from '../helpers/cli.js';
import { ServeProcess, statusUrl, STATUS_ON_FREE_PORT } from '../helpers/status.js';
import { waitFor } from '../helpers/zk-server.js';

const fixture = standaloneFixture();
const root = freshRoot();
const conn = () => ['--zk', fixture.zk().connectString, '--root', root];

async function scrape(url: string): Promise<Map<string, ParsedFamily>> {
  const res = await fetch(`${url}metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return new Map(parsePrometheusTextFormat(await res.text()).map((f) => [f.name, f]));
}

/** The value of the sample of `name` whose labels include `labels`; 0 when there is none. */
function value(families: Map<string, ParsedFamily>, name: string, labels: Record<string, string> = {}): number {
  const sample = families.get(name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return sample?.value === undefined ? (sample?.count !== undefined ? Number(sample.count) : 0) : Number(sample.value);
}

test('job counters, durations, claims and gauges move as jobs run', async () => {
  const daemon = await startDaemon({ zk: fixture.zk().connectString, root, nodeId: 'metrics', slots: 3, args: STATUS_ON_FREE_PORT });
  fixture.daemons.push(daemon);
  const url = await statusUrl(daemon);
  const before = await scrape(url);
  for (const name of ['zkjobs_jobs_started_total', 'zkjobs_jobs_finished_total', 'zkjobs_claim_attempts_total', 'zkjobs_session_expiries_total', 'zkjobs_fenced_jobs_total']) {
    assert.equal(before.get(name)?.type, 'COUNTER', name);
  }
  assert.equal(before.get('zkjobs_job_duration_seconds')?.type, 'HISTOGRAM');
  assert.equal(value(before, 'zkjobs_zookeeper_connected'), 1);
  assert.equal(value(before, 'zkjobs_free_slots'), 3);
  assert.ok(before.has('process_cpu_seconds_total') && before.has('nodejs_eventloop_lag_seconds'), "prom-client's default metrics");

  for (const argv of [['true'], ['sleep', '1.2'], ['sh', '-c', 'exit 4']]) await run('zkjobc', ['submit', ...conn(), '--wait', '--', ...argv]);
  await waitFor('the third result to be counted', async () => value(await scrape(url), 'zkjobs_jobs_finished_total', { queue: 'default', state: 'failed' }) === 1, 20_000, 200);
  const after = await scrape(url);
  assert.equal(value(after, 'zkjobs_jobs_started_total', { queue: 'default' }), 3);
  assert.equal(value(after, 'zkjobs_jobs_finished_total', { queue: 'default', state: 'succeeded' }), 2);
  // A won claim may find its job finished meanwhile and start nothing: at least one per start.
  assert.ok(value(after, 'zkjobs_claim_attempts_total', { queue: 'default', result: 'won' }) >= 3);
  // The parser folds a labelled histogram into its buckets (one queue here), without count and sum.
  const { buckets } = after.get('zkjobs_job_duration_seconds')!.metrics[0];
  assert.equal(Number(buckets!['+Inf']), 3);
  assert.equal(Number(buckets!['0.5']), 2, 'two jobs took under half a second');
  assert.equal(Number(buckets!['1']), 2, 'the 1.2 s sleep took over a second…');
  assert.equal(Number(buckets!['5']), 3, '…and under five');

  // Per-queue gauges come from ZooKeeper: a paused queue with waiting jobs.
  await ok('zkjobq', ['pause', ...conn(), 'default']);
  for (let i = 0; i < 2; i++) await ok('zkjobc', ['submit', ...conn(), '--', 'true']);
  // The gauges come from the shared snapshot, refreshed every 2 s: wait for one taken after the submits.
  const paused = await waitFor('a snapshot with the two pending jobs', async () => {
    const families = await scrape(url);
    return value(families, 'zkjobs_queue_pending_jobs', { queue: 'default' }) === 2 ? families : null;
  }, 10_000, 200);
  assert.equal(value(paused, 'zkjobs_queue_pending_jobs', { queue: 'default' }), 2);
  assert.equal(value(paused, 'zkjobs_queue_running_jobs', { queue: 'default' }), 0);
  assert.equal(value(paused, 'zkjobs_queue_paused', { queue: 'default' }), 1);
  assert.ok(value(paused, 'zkjobs_queue_oldest_pending_age_seconds', { queue: 'default' }) >= 0);
  assert.ok(paused.get('zkjobs_queue_oldest_pending_age_seconds')!.metrics.some((m) => m.labels?.queue === 'default'));
  await ok('zkjobq', ['resume', ...conn(), 'default']);
});

test('zkjobq serve exposes the queue gauges and no daemon counters', async () => {
  await ok('zkjobq', ['create', ...conn(), 'other']);
  const serve = new ServeProcess(conn());
  try {
    const families = await scrape(await serve.url());
    assert.ok(families.get('zkjobs_queue_pending_jobs')!.metrics.some((m) => m.labels?.queue === 'other'));
    assert.equal(families.has('zkjobs_jobs_started_total'), false);
    assert.ok(families.has('process_resident_memory_bytes'));
  } finally {
    await serve.stop();
  }
});
