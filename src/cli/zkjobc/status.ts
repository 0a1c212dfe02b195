// zkjobc status JOB…: one line per job, "ID STATE [details]", or JSON.
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions, withSession, out, type ConnectionArgs } from '../program.js';
import { parseJobId } from '../../job-id.js';
import { jobStatus, type JobStatus } from '../../status.js';
import { withReason } from '../../queue-situation.js';
import { endedHow, shellStatus } from '../../result.js';
import type { CheckedResult } from '../../wait.js';
import { EXIT } from '../../errors.js';
import { writeStderr } from '../stdio.js';

interface StatusArgs extends ConnectionArgs {
  jobs: string[];
  json: boolean;
}

/**
 * The exit code `--wait` reports for a job: its own code, 128+N for signal N;
 * 77 for a result no authorized daemon signed (never 0, whatever it claims),
 * after one line on stderr.
 */
export function exitStatusOf({ result, unverified }: CheckedResult, id: string): number {
  if (unverified) {
    writeStderr(`zkjobc: ${id}: result not believed, it says ${result.state} but ${unverified}\n`);
    return EXIT.NOPERM;
  }
  // Cancelled is 143 (128 + TERM) however it went: before it started, or killed, or exiting by itself on the TERM.
  if (result.state === 'cancelled') return 128 + 15;
  if (result.state === 'failed' && result.exitCode === 0) return EXIT.FAILURE;
  return result.state === 'succeeded' ? 0 : shellStatus(result.exitCode, result.signal);
}

/** How a job ended, in one line: "q/0000000002 failed exit 3 on vm1 (reason)". */
export function endLine({ result, unverified }: CheckedResult, id: string): string {
  if (unverified) return `${id} forged? (claims ${result.state}; ${unverified})`;
  const how = result.state === 'succeeded' ? '' : ` ${endedHow(result)}`;
  const reason = result.reason && !how.includes(result.reason) ? ` (${result.reason})` : '';
  return `${id} ${result.state}${how} on ${result.node}${reason}`;
}

export function describeStatus(s: JobStatus): string {
  const parts = [s.id, s.state];
  if (s.state === 'running') parts.push(`on ${s.node}`);
  if (s.reason) parts.push(`(${s.reason})`);
  if (s.result) {
    if (s.result.signal) parts.push(`signal ${s.result.signal}`);
    else if (s.result.exitCode !== null) parts.push(`exit ${s.result.exitCode}`);
    parts.push(`on ${s.result.node}`);
    if (s.result.reason) parts.push(`(${s.result.reason})`);
  }
  if (s.unverified) parts.push(`(claims ${s.result?.state}; ${s.unverified})`);
  if (s.problem) parts.push(`(${s.problem})`);
  return parts.join(' ');
}

export const statusCommand: CommandModule<object, StatusArgs> = {
  command: 'status <jobs..>',
  describe: "print each job's state: pending, running, succeeded, failed, cancelled",
  builder: (y) => withConnectionOptions(y)
    .positional('jobs', { type: 'string', array: true, demandOption: true })
    .option('json', { type: 'boolean', default: false, describe: 'one JSON object per job' }) as unknown as Argv<StatusArgs>,
  handler: async (args) => {
    const ids = args.jobs.map(String).map(parseJobId);
    await withSession(args, async ({ zk, paths }) => {
      for (const id of ids) {
        const status = await withReason(zk, paths, await jobStatus(zk, paths, id));
        if (!status) {
          writeStderr(`zkjobc: no such job ${args.jobs[ids.indexOf(id)]}\n`);
          process.exitCode = EXIT.FAILURE;
          continue;
        }
        out(args.json ? JSON.stringify(status) : describeStatus(status));
      }
    });
  },
};
