// The ephemeral record a daemon keeps under ROOT/nodes/<node-id> while its
// session lives: what `zkjobq nodes` shows, and how peers count each other.
import { decodeJsonObject, encodeJson, intField, nullableString, rejectUnknownFields, stringArray, stringField, type Fields } from './record.js';
import { DataError } from './errors.js';
import type { Gpu, Hardware } from './hardware.js';
import { MINUTES, type Activity } from './activity.js';
import { signatureField, type Signature } from './signature.js';

/** The hardware fields (hardware.ts) are optional: older daemons do not write them. */
export interface NodeRecord extends Partial<Omit<Hardware, 'load' | 'memFree' | 'memTotal'>> {
  host: string;
  pid: number;
  slots: number;
  running: string[];
  queues: string[];
  version: string;
  startedAt: string;
  load: number[];
  memFree: number;
  memTotal: number;
  /** host:port of the daemon's output endpoint, or null. */
  http: string | null;
  /** Jobs started and finished per minute (activity.ts); absent from older daemons. */
  activity?: Activity;
  /** Told to claim nothing new (zkjobq drain); absent when not. */
  draining?: boolean;
  /** What it offers jobs that --require tags (placement.ts, daemon/node-tags.ts); absent from older daemons. */
  tags?: string[];
  /** The node key's signature over the node id and every other field (node-key.ts); absent from older daemons. */
  signature?: Signature;
}

const FIELDS = ['host', 'pid', 'slots', 'running', 'queues', 'version', 'startedAt', 'load', 'memFree', 'memTotal', 'http',
  'cpus', 'cpuModel', 'diskFree', 'diskTotal', 'gpus', 'os', 'kernel', 'arch', 'hostUptime', 'activity', 'draining', 'tags', 'signature'] as const;

function numberArray(fields: Fields, key: string, what: string): number[] {
  const value = fields[key];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number')) throw new DataError(`${what}: "${key}" must be an array of numbers`);
  return value;
}

function optionalNumber(fields: Fields, key: string, what: string): number | undefined {
  const value = fields[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new DataError(`${what}: "${key}" must be a number`);
  return value;
}

function optionalText(fields: Fields, key: string, what: string): string | undefined {
  return fields[key] === undefined ? undefined : stringField(fields, key, what);
}

function gpuList(fields: Fields, what: string): Gpu[] | undefined {
  const value = fields.gpus;
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > 64) throw new DataError(`${what}: "gpus" must be an array of at most 64 GPUs`);
  return value.map((g: unknown) => {
    if (typeof g !== 'object' || g === null) throw new DataError(`${what}: each GPU must be an object`);
    const f = g as Fields;
    rejectUnknownFields(f, ['name', 'memTotal', 'memUsed', 'utilization'], `${what} GPU`);
    const utilization = f.utilization === null ? null : optionalNumber(f, 'utilization', what) ?? null;
    return { name: stringField(f, 'name', what), memTotal: optionalNumber(f, 'memTotal', what) ?? 0, memUsed: optionalNumber(f, 'memUsed', what) ?? 0, utilization };
  });
}

function activityField(fields: Fields, what: string): Activity | undefined {
  const value = fields.activity;
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) throw new DataError(`${what}: "activity" must be an object`);
  const f = value as Fields;
  rejectUnknownFields(f, ['minute', 'started', 'finished'], `${what} activity`);
  const started = numberArray(f, 'started', what);
  const finished = numberArray(f, 'finished', what);
  if (started.length > MINUTES || finished.length !== started.length) throw new DataError(`${what}: "activity" must hold two arrays of at most ${MINUTES} equal-length counts`);
  return { minute: intField(f, 'minute', what), started, finished };
}

/** The optional hardware fields, only those present. */
function hardwareFields(fields: Fields, what: string): Partial<NodeRecord> {
  const hw: Partial<NodeRecord> = {
    cpus: optionalNumber(fields, 'cpus', what),
    cpuModel: optionalText(fields, 'cpuModel', what),
    diskFree: optionalNumber(fields, 'diskFree', what),
    diskTotal: optionalNumber(fields, 'diskTotal', what),
    gpus: gpuList(fields, what),
    os: optionalText(fields, 'os', what),
    kernel: optionalText(fields, 'kernel', what),
    arch: optionalText(fields, 'arch', what),
    hostUptime: optionalNumber(fields, 'hostUptime', what),
    activity: activityField(fields, what),
    tags: fields.tags === undefined ? undefined : stringArray(fields, 'tags', what),
  };
  for (const key of Object.keys(hw) as (keyof NodeRecord)[]) if (hw[key] === undefined) delete hw[key];
  return hw;
}

export function parseNodeRecord(data: Buffer): NodeRecord {
  const what = 'node record';
  const fields = decodeJsonObject(data, what, 256 * 1024);
  rejectUnknownFields(fields, FIELDS, what);
  return {
    host: stringField(fields, 'host', what),
    pid: intField(fields, 'pid', what),
    slots: intField(fields, 'slots', what),
    running: stringArray(fields, 'running', what),
    queues: stringArray(fields, 'queues', what),
    version: stringField(fields, 'version', what),
    startedAt: stringField(fields, 'startedAt', what),
    load: numberArray(fields, 'load', what),
    memFree: intField(fields, 'memFree', what),
    memTotal: intField(fields, 'memTotal', what),
    http: nullableString(fields, 'http', what),
    ...hardwareFields(fields, what),
    ...(fields.draining === true ? { draining: true } : {}),
    ...signed(fields, what),
  };
}

function signed(fields: Fields, what: string): Pick<NodeRecord, 'signature'> {
  const signature = signatureField(fields, what);
  return signature ? { signature } : {};
}

export function encodeNodeRecord(record: NodeRecord): Buffer {
  return encodeJson(record);
}
