// The job spec: what `zkjobc submit` asks for and what a daemon runs. One
// type, one validating parser; the daemon parses every spec it claims and
// fails the job with the parser's reason instead of crashing on it.
import { DataError } from './errors.js';
import { checkJobEnv } from './refused-env.js';
import { decodeJsonObject, encodeJson, intField, optionalString, rejectUnknownFields, stringArray, stringField, type Fields } from './record.js';
import { signatureField, type Signature } from './signature.js';
import { checkCpus, normaliseTags, type Requirements } from './placement.js';
import { MAX_HISTORY_BYTES } from './attempt-history.js';

export interface JobSpec {
  /** Program and arguments of the first (or only) stage, run without a shell. */
  argv: string[];
  /** Further pipeline stages: each one's stdin is the previous one's stdout. */
  pipeline?: string[][];
  /** A shell job's command line (argv is then /bin/sh -c it); refused unless the queue allows shell jobs. */
  shell?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Working directory (default: the daemon's). */
  cwd?: string;
  /** Standard input of the first stage, base64. */
  stdin?: string;
  /** Kill the job after this long: TERM, then KILL after the daemon's kill grace. */
  timeoutMs?: number;
  /** Run again after a failure, up to this many times. */
  retries?: number;
  /** Wait before the first retry; doubled for each further one. */
  retryDelayMs?: number;
  /** Mail the report of a failure here. */
  mailTo?: string;
  /** ISO time of submission. */
  submittedAt: string;
  /** Optional human name. */
  name?: string;
  /** "user@host" of the submitter, as the submitter says: a label, not a proof. */
  submitter?: string;
  /** Tags a node must all have to run it (placement.ts); its bucket's class says the same. */
  require?: string[];
  /** Slots it takes on its node. Default 1. */
  cpus?: number;
  /** Bytes of memory it asks for. Default none. */
  mem?: number;
  /** The --every-node group it is a copy of (QUEUE/FIRST+COUNT). */
  group?: string;
  /** The submitter's Ed25519 signature over this spec and its job id: the proof (signature.ts). */
  signature?: Signature;
}

/** Largest spec accepted, well under ZooKeeper's 1 MB jute.maxbuffer. */
export const MAX_SPEC_BYTES = 512 * 1024;
/** Largest standard input a job may carry (it travels inside the spec). */
export const MAX_STDIN_BYTES = 256 * 1024;
/** Largest spec znode read: the submitter's spec and the daemons' history of attempts. */
export const MAX_SPEC_ZNODE_BYTES = MAX_SPEC_BYTES + MAX_HISTORY_BYTES;
// `runs` is the daemons' history of attempts (attempt-history.ts): allowed, read there, never part of a JobSpec.
const FIELDS = ['argv', 'pipeline', 'shell', 'env', 'cwd', 'stdin', 'timeoutMs', 'retries', 'retryDelayMs', 'mailTo', 'submittedAt', 'name', 'submitter', 'signature',
  'require', 'cpus', 'mem', 'group', 'runs'] as const;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function checkArgv(argv: readonly string[]): void {
  if (argv.length === 0) throw new DataError('no command given');
  if (argv[0] === '') throw new DataError('the command is an empty string');
  if (argv.some((a) => a.includes('\0'))) throw new DataError('an argument contains a NUL byte');
}

/** Every stage of the job, first to last. */
export function stagesOf(spec: JobSpec): string[][] {
  return [spec.argv, ...(spec.pipeline ?? [])];
}

/** The command as a person would type it, for listings and mail. */
export function describeCommand(spec: JobSpec): string {
  if (spec.shell !== undefined) return spec.shell;
  return stagesOf(spec).map((stage) => stage.map(quoteArg).join(' ')).join(' | ');
}

function quoteArg(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * A spec znode's fields. The submitter's part is held to MAX_SPEC_BYTES as
 * before; only the daemons' history (`runs`) may take it beyond that.
 */
export function decodeSpecZnode(data: Buffer, what = 'job spec'): Fields {
  if (data.length <= MAX_SPEC_BYTES) return decodeJsonObject(data, what, MAX_SPEC_BYTES);
  const overLimit = new DataError(`${what} is ${data.length} bytes, over the limit of ${MAX_SPEC_BYTES}`);
  let fields: Fields;
  try {
    fields = decodeJsonObject(data, what, MAX_SPEC_ZNODE_BYTES);
  } catch {
    throw overLimit;
  }
  const historyBytes = fields.runs === undefined ? 0 : Buffer.byteLength(JSON.stringify(fields.runs)) + ',"runs":'.length;
  if (data.length - historyBytes > MAX_SPEC_BYTES) throw overLimit;
  return fields;
}

export function parseJobSpec(data: Buffer): JobSpec {
  const what = 'job spec';
  const fields = decodeSpecZnode(data);
  rejectUnknownFields(fields, FIELDS, what);
  const spec: JobSpec = { argv: stringArray(fields, 'argv', what), submittedAt: stringField(fields, 'submittedAt', what) };
  if (fields.pipeline !== undefined) spec.pipeline = stagesField(fields, what);
  for (const key of ['shell', 'cwd', 'stdin', 'mailTo', 'name', 'submitter', 'group'] as const) {
    const value = optionalString(fields, key, what);
    if (value !== undefined) spec[key] = value;
  }
  if (fields.require !== undefined) spec.require = stringArray(fields, 'require', what);
  for (const key of ['timeoutMs', 'retries', 'retryDelayMs', 'cpus', 'mem'] as const) {
    if (fields[key] === undefined) continue;
    const value = intField(fields, key, what);
    if (value < 0) throw new DataError(`${what}: "${key}" must not be negative`);
    spec[key] = value;
  }
  if (fields.env !== undefined) spec.env = envField(fields, what);
  const signature = signatureField(fields, what);
  if (signature) spec.signature = signature;
  checkSpec(spec);
  return spec;
}

/** The checks shared by the parser and the submitter. */
export function checkSpec(spec: JobSpec): void {
  stagesOf(spec).forEach(checkArgv);
  if (spec.stdin !== undefined && Buffer.byteLength(spec.stdin, 'base64') > MAX_STDIN_BYTES) {
    throw new DataError(`standard input is over the limit of ${MAX_STDIN_BYTES} bytes`);
  }
  if (spec.cwd !== undefined && !spec.cwd.startsWith('/')) throw new DataError(`working directory must be absolute, got ${JSON.stringify(spec.cwd)}`);
  if (spec.retries !== undefined && spec.retries > 100) throw new DataError('at most 100 retries');
  checkJobEnv(spec.env);
  requirementsOf(spec);
}

/** What the job needs from a node (defaults filled in); a bad tag or count throws. */
export function requirementsOf(spec: JobSpec): Requirements {
  return { tags: normaliseTags(spec.require ?? []), cpus: checkCpus(spec.cpus ?? 1), mem: spec.mem ?? 0 };
}

function stagesField(fields: Fields, what: string): string[][] {
  const value = fields.pipeline;
  if (!Array.isArray(value) || !value.every((s) => Array.isArray(s) && s.every((a) => typeof a === 'string'))) {
    throw new DataError(`${what}: "pipeline" must be an array of string arrays`);
  }
  return value as string[][];
}

function envField(fields: Fields, what: string): Record<string, string> {
  const value = fields.env;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DataError(`${what}: "env" must be an object`);
  for (const [k, v] of Object.entries(value)) {
    if (!ENV_NAME.test(k)) throw new DataError(`${what}: invalid environment variable name ${JSON.stringify(k)}`);
    if (typeof v !== 'string' || v.includes('\0')) throw new DataError(`${what}: environment variable ${k} must be a string without NUL`);
  }
  return value as Record<string, string>;
}

export function encodeJobSpec(spec: JobSpec): Buffer {
  checkSpec(spec);
  const data = encodeJson(spec);
  if (data.length > MAX_SPEC_BYTES) throw new DataError(`job spec is ${data.length} bytes, over the limit of ${MAX_SPEC_BYTES}`);
  return data;
}
