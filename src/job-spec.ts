// The job spec: what `zkjobc submit` asks for and what a daemon runs. One
// type, one validating parser; the daemon parses every spec it claims and
// fails the job with the parser's reason instead of crashing on it.
import { DataError } from './errors.js';
import { decodeJsonObject, encodeJson, optionalString, rejectUnknownFields, stringArray, stringField } from './record.js';

export interface JobSpec {
  /** Program and arguments, run without a shell. */
  argv: string[];
  /** ISO time of submission. */
  submittedAt: string;
  /** Optional human name. */
  name?: string;
  /** "user@host" of the submitter. */
  submitter?: string;
}

/** Largest spec accepted, well under ZooKeeper's 1 MB jute.maxbuffer. */
export const MAX_SPEC_BYTES = 512 * 1024;
const FIELDS = ['argv', 'submittedAt', 'name', 'submitter'] as const;

export function checkArgv(argv: readonly string[]): void {
  if (argv.length === 0) throw new DataError('no command given');
  if (argv[0] === '') throw new DataError('the command is an empty string');
  if (argv.some((a) => a.includes('\0'))) throw new DataError('an argument contains a NUL byte');
}

export function parseJobSpec(data: Buffer): JobSpec {
  const what = 'job spec';
  const fields = decodeJsonObject(data, what, MAX_SPEC_BYTES);
  rejectUnknownFields(fields, FIELDS, what);
  const spec: JobSpec = {
    argv: stringArray(fields, 'argv', what),
    submittedAt: stringField(fields, 'submittedAt', what),
  };
  const name = optionalString(fields, 'name', what);
  const submitter = optionalString(fields, 'submitter', what);
  if (name !== undefined) spec.name = name;
  if (submitter !== undefined) spec.submitter = submitter;
  checkArgv(spec.argv);
  return spec;
}

export function encodeJobSpec(spec: JobSpec): Buffer {
  checkArgv(spec.argv);
  const data = encodeJson(spec);
  if (data.length > MAX_SPEC_BYTES) throw new DataError(`job spec is ${data.length} bytes, over the limit of ${MAX_SPEC_BYTES}`);
  return data;
}
