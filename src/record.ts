// Shared checks for the JSON records kept in znodes. Anything may be written
// into ZooKeeper by hand or by an older version, so every record is decoded
// strictly: valid UTF-8, a JSON object, no unknown fields, typed values.
import { DataError } from './errors.js';

// Made on first use: a strict decoder costs 0.2 ms to make, in every CLI
// start that loads this module, and a submit decodes no record.
let strictUtf8: TextDecoder | undefined;

export type Fields = Record<string, unknown>;

export function decodeJsonObject(data: Buffer, what: string, maxBytes: number): Fields {
  if (data.length > maxBytes) throw new DataError(`${what} is ${data.length} bytes, over the limit of ${maxBytes}`);
  let text: string;
  try {
    text = (strictUtf8 ??= new TextDecoder('utf-8', { fatal: true })).decode(data);
  } catch {
    throw new DataError(`${what} is not valid UTF-8`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new DataError(`${what} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DataError(`${what} is not a JSON object`);
  return value as Fields;
}

export function rejectUnknownFields(fields: Fields, known: readonly string[], what: string): void {
  const unknown = Object.keys(fields).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new DataError(`${what} has unknown field ${JSON.stringify(unknown[0])}`);
}

export function stringField(fields: Fields, key: string, what: string): string {
  const value = fields[key];
  if (typeof value !== 'string') throw new DataError(`${what}: "${key}" must be a string`);
  return value;
}

export function optionalString(fields: Fields, key: string, what: string): string | undefined {
  return fields[key] === undefined ? undefined : stringField(fields, key, what);
}

export function intField(fields: Fields, key: string, what: string): number {
  const value = fields[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new DataError(`${what}: "${key}" must be an integer`);
  return value;
}

export function nullableInt(fields: Fields, key: string, what: string): number | null {
  return fields[key] === null || fields[key] === undefined ? null : intField(fields, key, what);
}

export function nullableString(fields: Fields, key: string, what: string): string | null {
  return fields[key] === null || fields[key] === undefined ? null : stringField(fields, key, what);
}

export function stringArray(fields: Fields, key: string, what: string): string[] {
  const value = fields[key];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new DataError(`${what}: "${key}" must be an array of strings`);
  return value;
}

export function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}
