// zkjobq check [QUEUE…] [--repair] [--json]: an fsck for a zkjobs tree
// (src/check/). Exit 0 when nothing was found, 1 when something was, with
// or without --repair (run it again to see a clean tree exit 0); 77 when
// ZooKeeper refuses a repair for want of rights.
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions, withSession, out, type ConnectionArgs } from '../program.js';
import { checkTree } from '../../check/check.js';
import type { Change, Finding } from '../../check/finding.js';
import { parseDuration } from '../../duration.js';
import { EXIT } from '../../errors.js';
import { formatTable } from './table.js';

interface CheckArgs extends ConnectionArgs {
  queues: string[];
  repair: boolean;
  json: boolean;
  settle: string;
  'counter-quiet': string;
}

/** Findings are printed as a table, each batch just before the changes made for it. */
class Printer {
  private findings: Finding[] = [];
  readonly all: Finding[] = [];
  readonly changes: Change[] = [];

  constructor(private readonly json: boolean) {}

  finding(f: Finding): void {
    if (this.json) this.all.push(f);
    else this.findings.push(f);
  }

  change(c: Change): void {
    if (this.json) return void this.changes.push(c);
    this.flush();
    out(`${c.done ? 'repaired' : 'left'} ${c.job ?? c.queue} ${c.kind} ${c.znode || '(queue)'}: ${c.action}`);
  }

  flush(): void {
    if (this.findings.length === 0) return;
    out(formatTable(['JOB', 'FINDING', 'ZNODE', 'PROBLEM', 'REPAIR'], this.findings.map((f) => [f.job ?? f.queue, f.kind, f.znode || '(queue)', f.problem, f.repair])));
    this.findings = [];
  }
}

function asJson(f: Finding): object {
  return { queue: f.queue, job: f.job, kind: f.kind, znode: f.znode, problem: f.problem, repair: f.repair, repairable: f.fix !== null };
}

export const checkCommand: CommandModule<object, CheckArgs> = {
  command: 'check [queues..]',
  describe: 'look for inconsistent and foreign znodes in queues (all by default); --repair mends what is safe to mend',
  builder: (y) => withConnectionOptions(y)
    .positional('queues', { type: 'string', array: true, default: [] })
    .option('repair', { type: 'boolean', default: false, describe: 'fix what can be fixed without losing a job or running one twice, printing each change' })
    .option('json', { type: 'boolean', default: false, describe: 'one JSON object: findings, changes and counts' })
    .option('settle', { type: 'string', default: '2s', describe: 'report what normal operation leaves for a moment (a claim being cleaned up) only if it lasts this long' })
    .option('counter-quiet', { type: 'string', default: '60s', describe: 'lower a counter that is far ahead only once it has not changed for this long' }) as unknown as Argv<CheckArgs>,
  handler: async (args) => {
    const settleMs = parseDuration(args.settle, '--settle');
    const counterQuietMs = parseDuration(args['counter-quiet'], '--counter-quiet');
    const printer = new Printer(args.json);
    const summary = await withSession(args, ({ zk, paths }) => checkTree(zk, paths, args.queues.map(String), {
      repair: args.repair, settleMs, counterQuietMs, onFinding: (f) => printer.finding(f), onChange: (c) => printer.change(c),
    }));
    if (args.json) {
      out(JSON.stringify({ ...summary, findings: printer.all.map(asJson), changes: printer.changes }));
    } else {
      printer.flush();
      const repaired = args.repair ? `, ${summary.repaired} repaired` : '';
      out(`check: ${summary.queues} queue${summary.queues === 1 ? '' : 's'}, ${summary.found === 0 ? 'clean' : `${summary.found} finding${summary.found === 1 ? '' : 's'}${repaired}`}`);
    }
    process.exitCode = summary.found > 0 ? EXIT.FAILURE : EXIT.OK;
  },
};
