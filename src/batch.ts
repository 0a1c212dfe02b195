// Batch submit: one job per input line over one connection, with many
// requests in flight. ZooKeeper answers one session's requests in order, so
// the jobs take sequence numbers in line order and FIFO follows the file.
//
// Lines are checked as they are read. A bad line stops the batch: the jobs
// before it are submitted (their ids were printed), none after it is, and
// the error names the line, so nothing is half-submitted silently.
import type { Paths } from './zk/paths.js';
import type { ZkClient } from './zk/client.js';
import { submitJob } from './submit.js';
import { DataError } from './errors.js';
import { checkArgv, type JobSpec } from './job-spec.js';
import type { JobId } from './job-id.js';
import { decodeJsonObject, optionalString, rejectUnknownFields, stringArray } from './record.js';

/** Submissions in flight at once. */
const WINDOW = 512;

/** A line is a JSON argv array, or a JSON object with argv and optional name. */
export function parseBatchLine(line: string, submitter: string): JobSpec {
  const base = { submittedAt: new Date().toISOString(), submitter };
  const trimmed = line.trim();
  if (trimmed.startsWith('[')) {
    const fields = decodeJsonObject(Buffer.from(`{"argv":${trimmed}}`), 'line', 512 * 1024);
    const argv = stringArray(fields, 'argv', 'line');
    checkArgv(argv);
    return { argv, ...base };
  }
  const fields = decodeJsonObject(Buffer.from(trimmed), 'line', 512 * 1024);
  rejectUnknownFields(fields, ['argv', 'name'], 'line');
  const argv = stringArray(fields, 'argv', 'line');
  checkArgv(argv);
  const name = optionalString(fields, 'name', 'line');
  return name === undefined ? { argv, ...base } : { argv, name, ...base };
}

export async function submitBatch(
  zk: ZkClient,
  paths: Paths,
  queue: string,
  lines: AsyncIterable<string>,
  onSubmitted: (id: JobId) => void,
  submitter: string,
): Promise<number> {
  const inFlight: Promise<JobId>[] = [];
  let count = 0;
  let lineNo = 0;
  const drainOne = async () => {
    onSubmitted(await inFlight.shift()!);
    count++;
  };
  try {
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
      let spec: JobSpec;
      try {
        spec = parseBatchLine(line, submitter);
      } catch (err) {
        throw new DataError(`line ${lineNo}: ${(err as Error).message}; nothing from this line on was submitted`);
      }
      const submission = submitJob(zk, paths, queue, spec);
      submission.catch(() => undefined); // awaited in order below
      inFlight.push(submission);
      if (inFlight.length >= WINDOW) await drainOne();
    }
  } finally {
    while (inFlight.length > 0) await drainOne();
  }
  return count;
}
