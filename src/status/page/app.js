// zkjobs status page: renders the snapshots that /api/events pushes (one per
// refresh on the server), with no framework and no build step. Everything
// shown comes from ZooKeeper through the server; user data (commands,
// output) only ever goes in as text, never as markup.
'use strict';

const $ = (id) => document.getElementById(id);
let last = null;
let openJob = null;

/** h('td', {class: 'num'}, 'text', childNode…) */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('data-')) el.setAttribute(k, v);
    else el[k] = v;
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
}

const fmt = {
  int: (n) => (n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US')),
  bytes(n) {
    if (n === undefined || n === null) return '–';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return `${n >= 100 || i === 0 ? n.toFixed(0) : n.toFixed(1)} ${units[i]}`;
  },
  age(seconds) {
    if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return '–';
    const s = Math.max(0, Math.round(seconds));
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
    if (s < 86400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
    return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
  },
  since: (iso) => (iso ? fmt.age((Date.now() - Date.parse(iso)) / 1000) : '–'),
  clock: (iso) => (iso ? new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }) : '–'),
};

function jobLink(id) {
  return h('a', { href: `#job=${id}`, class: 'mono' }, id);
}

function meter(used, total) {
  const m = h('span', { class: `meter${total && used / total > 0.85 ? ' hot' : ''}` }, h('i'));
  m.firstChild.style.width = `${total ? Math.min(100, (100 * used) / total) : 0}%`;
  return m;
}

function table(el, columns, rows, empty) {
  const head = h('tr', {}, columns.map((c) => h('th', { class: c.num ? 'num' : c.narrow ? 'hide-narrow' : '' }, c.title)));
  const body = rows.length
    ? rows.map((r) => h('tr', r.attrs, columns.map((c, i) => h('td', { class: [c.num && 'num', c.cls, c.narrow && 'hide-narrow'].filter(Boolean).join(' ') }, r.cells[i]))))
    : [h('tr', {}, h('td', { class: 'empty', colSpan: columns.length }, empty))];
  el.replaceChildren(h('thead', {}, head), h('tbody', {}, body));
}

function card(label, value, sub, cls) {
  return h('div', { class: `card ${cls || ''}` }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value), h('div', { class: 'sub' }, sub || '\u00a0'));
}

/** Jobs running per node: the claims, which are current; a node record lags by up to a second. */
function runningPerNode(s) {
  const counts = new Map();
  for (const j of s.running) counts.set(j.node, (counts.get(j.node) || 0) + 1);
  return (n) => Math.max(counts.get(n.id) || 0, n.record ? n.record.running.length : 0);
}

function renderCards(s) {
  const records = s.nodes.map((n) => n.record).filter(Boolean);
  const slots = records.reduce((a, r) => a + r.slots, 0);
  const busy = runningPerNode(s);
  const used = s.nodes.reduce((a, n) => a + busy(n), 0);
  const pending = s.queues.reduce((a, q) => a + q.pending, 0);
  const running = s.queues.reduce((a, q) => a + q.running, 0);
  const finishedHour = s.activity.finished.reduce((a, b) => a + b, 0);
  const oldest = Math.max(-1, ...s.queues.map((q) => q.oldestPendingAge ?? -1));
  $('cards').replaceChildren(
    card('Nodes', fmt.int(s.nodes.length), `${fmt.int(records.reduce((a, r) => a + (r.cpus || 0), 0))} CPUs`),
    card('Slots in use', `${fmt.int(used)} / ${fmt.int(slots)}`, slots ? `${Math.round((100 * used) / slots)}% busy` : ''),
    card('Pending', fmt.int(pending), oldest >= 0 ? `oldest ${fmt.age(oldest)}` : 'none waiting'),
    card('Running', fmt.int(running), `${s.queues.length} queue${s.queues.length === 1 ? '' : 's'}`),
    card('Finished, 1 h', fmt.int(finishedHour), `${fmt.int(s.activity.started.reduce((a, b) => a + b, 0))} started`),
    card('Failures', fmt.int(s.failures.length), s.failures[0] ? `latest ${fmt.since(s.failures[0].finishedAt)} ago` : 'none recent', s.failures.length ? 'bad' : ''),
  );
}

function renderChart(activity) {
  // Drawn at the chart's real width, so that text and bars are not stretched.
  const W = Math.max(300, $('chart').clientWidth), H = 120, pad = 18, n = activity.started.length || 60;
  const max = Math.max(1, ...activity.started, ...activity.finished);
  const step = (W - 30) / n;
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'jobs started and finished per minute over the last hour');
  const add = (tag, attrs, text) => {
    const el = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    if (text !== undefined) el.textContent = text;
    svg.append(el);
    return el;
  };
  const y = (v) => H - pad - ((H - pad - 6) * v) / max;
  add('line', { x1: 30, x2: W, y1: H - pad, y2: H - pad, class: 'axis' });
  add('text', { x: 0, y: 12 }, String(max));
  add('text', { x: 0, y: H - pad }, '0');
  for (let i = 0; i < n; i++) {
    const x = 30 + i * step;
    const bw = Math.max(1, step / 2 - 1);
    const s = activity.started[i] || 0, f = activity.finished[i] || 0;
    if (s) add('rect', { x, y: y(s), width: bw, height: H - pad - y(s), class: 'bar started' }).append(Object.assign(document.createElementNS(ns, 'title'), { textContent: `${n - 1 - i} min ago: ${s} started` }));
    if (f) add('rect', { x: x + bw, y: y(f), width: bw, height: H - pad - y(f), class: 'bar finished' }).append(Object.assign(document.createElementNS(ns, 'title'), { textContent: `${n - 1 - i} min ago: ${f} finished` }));
  }
  for (const [i, label] of [[0, '-60m'], [30, '-30m'], [n - 1, 'now']]) add('text', { x: 30 + i * step, y: H - 4, 'text-anchor': i === n - 1 ? 'end' : 'start' }, label);
  $('chart').replaceChildren(svg);
}

function renderQueues(s) {
  table($('queues'), [
    { title: 'Queue' }, { title: 'State' }, { title: 'Pending', num: true }, { title: 'Held', num: true }, { title: 'Running', num: true },
    { title: 'Limit', num: true }, { title: 'Finished', num: true }, { title: 'Oldest pending', num: true },
  ], s.queues.map((q) => ({
    attrs: { 'data-queue': q.queue },
    cells: [h('strong', {}, q.queue), h('span', { class: `pill ${q.paused ? 'paused' : 'active'}` }, q.paused ? 'paused' : 'active'),
      fmt.int(q.pending), fmt.int(q.held ?? 0), fmt.int(q.running), q.maxRunning === null ? '–' : fmt.int(q.maxRunning), fmt.int(q.finished), fmt.age(q.oldestPendingAge)],
  })), 'no queues yet');
}

function gpuCell(r) {
  if (!r.gpus) return h('span', { class: 'dim' }, '–');
  if (!r.gpus.length) return '0';
  const used = r.gpus.reduce((a, g) => a + g.memUsed, 0), total = r.gpus.reduce((a, g) => a + g.memTotal, 0);
  const names = [...new Set(r.gpus.map((g) => g.name))].join(', ');
  return h('span', { title: r.gpus.map((g) => `${g.name}: ${fmt.bytes(g.memUsed)} / ${fmt.bytes(g.memTotal)}, ${g.utilization ?? '?'}% busy`).join('\n') },
    `${r.gpus.length}× ${names} `, h('span', { class: 'dim' }, `${fmt.bytes(used)} / ${fmt.bytes(total)}`));
}

function renderNodes(s) {
  $('nodes-count').textContent = `${s.nodes.length} live`;
  const busy = runningPerNode(s);
  table($('nodes'), [
    { title: 'Node' }, { title: 'Slots', num: true }, { title: 'CPUs', num: true }, { title: 'Load', num: true }, { title: 'Memory free' },
    { title: 'Disk free', narrow: true }, { title: 'GPUs' }, { title: 'Version', narrow: true }, { title: 'Up', num: true },
  ], s.nodes.map((n) => {
    const r = n.record;
    if (!r) return { attrs: { 'data-node': n.id }, cells: [h('strong', {}, n.id), h('span', { class: 'pill failed', title: n.error }, 'bad record'), '', '', '', '', '', '', ''] };
    // As zkjobq nodes says it: a drained (or stopping) node claims nothing new, draining while its jobs still run.
    const state = r.draining ? (r.running.length > 0 ? 'draining' : 'drained') : 'live';
    return {
      attrs: { 'data-node': n.id },
      cells: [
        h('span', { title: `${r.host} · ${r.os || ''} ${r.kernel || ''} ${r.arch || ''}\nqueues: ${r.queues.join(', ')}${r.cpuModel ? `\n${r.cpuModel}` : ''}` }, h('span', { class: `pill ${state}` }, state), ' ', h('strong', {}, n.id)),
        h('span', {}, meter(busy(n), r.slots), `${busy(n)} / ${r.slots}`),
        r.cpus ?? '–', r.load.map((l) => l.toFixed(2)).join(' '),
        h('span', {}, meter(r.memTotal - r.memFree, r.memTotal), `${fmt.bytes(r.memFree)} / ${fmt.bytes(r.memTotal)}`),
        r.diskTotal ? `${fmt.bytes(r.diskFree)} / ${fmt.bytes(r.diskTotal)}` : '–', gpuCell(r), r.version, fmt.since(r.startedAt),
      ],
    };
  }), 'no live nodes');
}

function renderJobs(s) {
  $('running-count').textContent = `${fmt.int(s.running.length)}`;
  table($('running'), [{ title: 'Job' }, { title: 'Node' }, { title: 'Elapsed', num: true }, { title: 'Command' }],
    s.running.map((j) => ({ attrs: { 'data-job': j.id, 'data-state': 'running' }, cells: [jobLink(j.id), j.node, fmt.since(j.since), j.name ? `${j.name}: ${j.command}` : j.command] })),
    'nothing running');
  $('running').querySelectorAll('tbody td:nth-child(4)').forEach((td) => td.classList.add('cmd'));
  const head = s.queues.flatMap((q) => q.head);
  $('pending-count').textContent = `${fmt.int(s.queues.reduce((a, q) => a + q.pending, 0))} waiting`;
  table($('pending'), [{ title: 'Job' }, { title: 'Waiting', num: true }, { title: 'Command' }],
    head.map((j) => ({ attrs: { 'data-job': j.id, 'data-state': 'pending' }, cells: [jobLink(j.id), fmt.since(j.createdAt), j.problem ? `(bad spec: ${j.problem})` : j.command] })),
    'nothing waiting');
  $('pending').querySelectorAll('tbody td:nth-child(3)').forEach((td) => td.classList.add('cmd'));
  table($('recent'), [{ title: 'Job' }, { title: 'State' }, { title: 'Exit', num: true }, { title: 'Node', narrow: true }, { title: 'Took', num: true }, { title: 'Ended', num: true }],
    s.recent.map((j) => ({
      attrs: { 'data-job': j.id, 'data-state': j.state },
      cells: [jobLink(j.id), h('span', { class: `pill ${j.state}` }, j.state), exitText(j), j.node,
        j.startedAt ? fmt.age((Date.parse(j.finishedAt) - Date.parse(j.startedAt)) / 1000) : '–', `${fmt.since(j.finishedAt)} ago`],
    })), 'nothing finished yet');
}

function exitText(j) {
  if (j.signal) return j.signal;
  if (j.exitCode !== null) return String(j.exitCode);
  return j.reason ? 'error' : '–';
}

function renderFailures(s) {
  const items = s.failures.map((f) => h('div', { class: 'failure', 'data-job': f.id, 'data-state': 'failed' },
    h('div', { class: 'line' }, jobLink(f.id), h('span', { class: 'status' }, f.signal ? `killed by ${f.signal}` : f.exitCode !== null ? `exit ${f.exitCode}` : 'failed'),
      h('span', { class: 'dim' }, `on ${f.node} · ${fmt.since(f.finishedAt)} ago · attempt ${f.attempt}`), h('span', { class: 'mono dim' }, f.command)),
    f.reason ? h('div', { class: 'dim' }, f.reason) : null,
    f.stderrTail ? h('pre', {}, f.stderrTail.split('\n').slice(-8).join('\n')) : null));
  $('failures').replaceChildren(...(items.length ? items : [h('p', { class: 'dim' }, 'no failures among the latest results')]));
}

function render(s) {
  last = s;
  $('root').textContent = s.root;
  $('problem').hidden = !s.problem;
  $('problem').textContent = s.problem || '';
  renderCards(s);
  renderChart(s.activity);
  renderQueues(s);
  renderNodes(s);
  renderJobs(s);
  renderFailures(s);
}

function setConn(state, text) {
  $('conn').className = `conn ${state}`;
  $('conn-text').textContent = text;
}

function connect() {
  const events = new EventSource('/api/events');
  events.addEventListener('cluster', (e) => {
    render(JSON.parse(e.data));
    setConn('live', `live · ${fmt.clock(last.at)}`);
  });
  events.onerror = () => setConn('down', 'reconnecting…');
}

// ---- job view: #job=QUEUE/SEQ ----
let outputAbort = null;
let stream = 'stdout';

async function showJob(id) {
  openJob = id;
  $('job-view').hidden = false;
  $('job-title').textContent = id;
  $('job-fields').replaceChildren(h('dt', {}, 'loading…'));
  const res = await fetch(`/api/jobs/${id}`);
  if (openJob !== id) return;
  const job = await res.json();
  if (!res.ok) return $('job-fields').replaceChildren(h('dt', {}, 'error'), h('dd', {}, job.error || res.statusText));
  const r = job.result;
  const rows = [
    ['State', h('span', { class: `pill ${job.state}` }, job.state)], ['Command', h('span', { class: 'mono' }, job.command || '–')],
    ['Name', job.spec?.name], ['Submitted', job.spec?.submittedAt && `${new Date(job.spec.submittedAt).toLocaleString()} by ${job.spec.submitter || '?'}`],
    ['Node', job.node], ['Attempt', `${job.attempt}${job.spec?.retries ? ` of ${job.spec.retries + 1}` : ''}`],
    ['Claimed', job.claim && `${new Date(job.claim.since).toLocaleString()} (${fmt.since(job.claim.since)} ago)`],
    ['Exit', r && (r.signal ? `signal ${r.signal}` : r.exitCode ?? '–')], ['Reason', r?.reason],
    ['Ran', r?.startedAt && `${new Date(r.startedAt).toLocaleString()} → ${new Date(r.finishedAt).toLocaleTimeString()} (${fmt.age((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000)})`],
    ['Problem', job.problem],
  ].filter(([, v]) => v !== undefined && v !== null && v !== '');
  $('job-fields').replaceChildren(...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
  followOutput(id, job.state);
}

/** Stream the job's output into the view; the server follows a running job until it ends. */
async function followOutput(id, state) {
  outputAbort?.abort();
  outputAbort = new AbortController();
  const pre = $('job-output');
  pre.textContent = '';
  $('job-follow').textContent = state === 'running' ? 'following…' : state === 'pending' ? 'not started' : '';
  if (state === 'pending') return;
  try {
    const res = await fetch(`/api/jobs/${id}/${stream}`, { signal: outputAbort.signal });
    const note = res.headers.get('x-zkjobs-note');
    if (note) $('job-follow').textContent = note;
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
      pre.textContent += decoder.decode(value, { stream: true });
      if (atEnd) pre.scrollTop = pre.scrollHeight;
    }
    if (state === 'running' && openJob === id) $('job-follow').textContent = 'ended';
  } catch (err) {
    if (err.name !== 'AbortError') $('job-follow').textContent = `output unavailable: ${err.message}`;
  }
}

function closeJob() {
  openJob = null;
  outputAbort?.abort();
  $('job-view').hidden = true;
}

function route() {
  const match = /^#job=([A-Za-z0-9][A-Za-z0-9_.-]*\/\d+)$/.exec(location.hash);
  if (match) showJob(match[1]);
  else closeJob();
}

document.addEventListener('DOMContentLoaded', () => {
  fetch('/api/cluster').then((r) => r.json()).then((s) => last === null && render(s)).catch(() => undefined);
  connect();
  // Ages and elapsed times move every second; the data only on each refresh.
  setInterval(() => last && render(last), 1000);
  window.addEventListener('hashchange', route);
  $('job-close').addEventListener('click', (e) => { e.preventDefault(); history.pushState('', '', location.pathname); closeJob(); });
  $('job-view').addEventListener('click', (e) => { if (e.target === $('job-view')) $('job-close').click(); });
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && openJob) $('job-close').click(); });
  for (const b of document.querySelectorAll('.tabs button')) {
    b.addEventListener('click', () => {
      stream = b.dataset.stream;
      document.querySelectorAll('.tabs button').forEach((x) => x.classList.toggle('on', x === b));
      if (openJob) showJob(openJob);
    });
  }
  route();
});
