// The ephemeral record a daemon keeps under ROOT/nodes/<node-id> while its
// session lives: what `zkjobq nodes` shows, and how peers count each other.
import { decodeJsonObject, encodeJson, intField, nullableString, rejectUnknownFields, stringArray, stringField, type Fields } from './record.js';
import { DataError } from './errors.js';

export interface NodeRecord {
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
}

const FIELDS = ['host', 'pid', 'slots', 'running', 'queues', 'version', 'startedAt', 'load', 'memFree', 'memTotal', 'http'] as const;

function numberArray(fields: Fields, key: string, what: string): number[] {
  const value = fields[key];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number')) throw new DataError(`${what}: "${key}" must be an array of numbers`);
  return value;
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
  };
}

export function encodeNodeRecord(record: NodeRecord): Buffer {
  return encodeJson(record);
}
