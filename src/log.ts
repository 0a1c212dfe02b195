// Logging for the daemon: winston, one line per event on stdout so journald
// keeps it, with the job's id, queue and node as fields on every job line.
import winston from 'winston';

export type Logger = winston.Logger;
export type LogFormat = 'text' | 'json';

function textLine(info: winston.Logform.TransformableInfo): string {
  const { level, message, timestamp, ...fields } = info;
  const extra = Object.entries(fields)
    .filter(([k]) => typeof k === 'string')
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${timestamp} ${level} ${message}${extra ? ` ${extra}` : ''}`;
}

export function createLogger(level = 'info', format: LogFormat = 'text'): Logger {
  const shape = format === 'json' ? winston.format.json() : winston.format.printf(textLine);
  return winston.createLogger({
    level,
    format: winston.format.combine(winston.format.timestamp(), shape),
    transports: [new winston.transports.Console()],
  });
}
