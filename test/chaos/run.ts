// make chaos: a few minutes of disruptions over thousands of jobs, then the
// verdict. Options: --minutes M (default 3), --jobs N (default 6000).
import { parseArgs } from 'node:util';
import { runChaos } from './chaos.js';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '3' }, jobs: { type: 'string', default: '6000' } } });
const report = await runChaos({
  jobs: Number(values.jobs),
  daemons: 3,
  slots: 4,
  jobSeconds: '0.1',
  chaosMs: Number(values.minutes) * 60_000,
  log: (line) => console.error(`${new Date().toISOString()} ${line}`),
});
const rows: [string, string | number][] = [
  ['jobs submitted', report.jobs],
  ['jobs with a result', report.results],
  ['jobs succeeded', report.succeeded],
  ['jobs that never ran', report.neverRan.length],
  ['daemons SIGKILLed', report.disruptions.kill],
  ['daemons frozen past the session timeout', report.disruptions.freeze],
  ['ZooKeeper members killed and restarted', report.disruptions['zk-restart']],
  ['jobs re-run', report.reruns],
  ['re-runs not explained by a disruption', report.unexplainedReruns.length],
  ['wall time', `${(report.wallMs / 1000).toFixed(0)} s`],
];
for (const [what, value] of rows) console.log(`${what.padEnd(42)} ${value}`);
const failed = report.results !== report.jobs || report.succeeded !== report.jobs || report.neverRan.length > 0 || report.unexplainedReruns.length > 0;
if (report.unexplainedReruns.length > 0) console.log(`unexplained: ${report.unexplainedReruns.slice(0, 20).join(', ')}`);
console.log(failed ? 'chaos: FAILED' : 'chaos: passed');
process.exitCode = failed ? 1 : 0;
