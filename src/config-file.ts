// The zkjobd.conf syntax, in the style of zoo.cfg and slurm.conf:
// `key = value` lines, `#` comment lines, and `[queue NAME]` sections for
// per-queue settings. This file only splits the text; config.ts gives the
// keys their meaning. Every error names the file and the line.
import { DataError } from './errors.js';

export interface Setting {
  value: string;
  line: number;
}

export interface ConfigText {
  file: string;
  global: Map<string, Setting>;
  queues: Map<string, Map<string, Setting>>;
}

export function configError(file: string, line: number, message: string): DataError {
  return new DataError(`${file}:${line}: ${message}`);
}

export function splitConfig(text: string, file: string): ConfigText {
  const config: ConfigText = { file, global: new Map(), queues: new Map() };
  let section = config.global;
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const header = /^\[queue\s+([^\]\s]+)\s*\]$/.exec(trimmed);
    if (header) {
      if (config.queues.has(header[1])) throw configError(file, line, `queue ${header[1]} has two sections`);
      section = new Map();
      config.queues.set(header[1], section);
      return;
    }
    if (trimmed.startsWith('[')) throw configError(file, line, `unknown section ${trimmed} (expected [queue NAME])`);
    const eq = trimmed.indexOf('=');
    if (eq <= 0) throw configError(file, line, `expected 'key = value', got '${trimmed}'`);
    const key = trimmed.slice(0, eq).trim();
    if (section.has(key)) throw configError(file, line, `'${key}' is set twice`);
    section.set(key, { value: trimmed.slice(eq + 1).trim(), line });
  });
  return config;
}
