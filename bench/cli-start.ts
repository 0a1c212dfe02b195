// What a script or an operator waits for per command: the wall time of one
// CLI process against a bare `node -e 0`, both started as new processes,
// alternating in the same run (median of 15 each); the figure is the median
// of BENCH_RUNS such runs' ratios.
import { spawnSync } from 'node:child_process';
import { bin, freshRoot, ok } from '../test/helpers/cli.js';
import { log, median, repeat, report, RUNS } from './lib.js';

const ROUNDS = Number(process.env.BENCH_CLI_ROUNDS ?? 15);

function wall(argv: string[]): number {
  const t = performance.now();
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  const ms = performance.now() - t;
  if (r.status !== 0) log(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

export async function measureCliStart(connect: string): Promise<void> {
  const root = freshRoot();
  await ok('zkjobq', ['create', '--zk', connect, '--root', root, 'default']);
  const id = (await ok('zkjobc', ['submit', '--zk', connect, '--root', root, '--', 'true'])).trim();
  const conn = ['--zk', connect, '--root', root];
  const commands: Record<string, string[]> = {
    'node -e 0': [process.execPath, '-e', '0'],
    'zkjobc submit': [bin('zkjobc'), 'submit', ...conn, '--', 'true'],
    'zkjobq list --limit 10': [bin('zkjobq'), 'list', ...conn, '--limit', '10'],
    'zkjobc status': [bin('zkjobc'), 'status', ...conn, id],
  };
  // One run: ROUNDS of each command, alternating; its figure is the ratio of medians.
  const oneRun = async () => {
    const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
    for (let i = 0; i < ROUNDS; i++) for (const [name, argv] of Object.entries(commands)) times[name].push(wall(argv));
    return Object.fromEntries(Object.entries(times).map(([name, t]) => [name, median(t)]));
  };
  // A shared machine moves node -e 0 itself by 20% from one run to the next: the medians of RUNS runs.
  const runs = await repeat(RUNS, oneRun);
  const node = median(runs.map((r) => r['node -e 0']));
  report(`node -e 0 as a new process, wall, median of ${ROUNDS}`, `${node.toFixed(0)} ms (runs ${runs.map((r) => r['node -e 0'].toFixed(0)).join(' / ')})`);
  const targets: Record<string, number> = { 'zkjobc submit': 1.3, 'zkjobq list --limit 10': 1.5, 'zkjobc status': 1.5 };
  for (const [name, limit] of Object.entries(targets)) {
    const ratios = runs.map((r) => r[name] / r['node -e 0']);
    const ratio = median(ratios);
    const ms = median(runs.map((r) => r[name]));
    report(`${name} wall, median of ${ROUNDS} / node -e 0`, `${ms.toFixed(0)} ms = ${ratio.toFixed(2)} x (runs ${ratios.map((x) => x.toFixed(2)).join(' / ')})`, `<= ${limit} x`, ratio <= limit);
  }
}
