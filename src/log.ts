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
  const logger = winston.createLogger({
    level,
    format: winston.format.combine(winston.format.timestamp(), shape),
    transports: [new winston.transports.Console()],
  });
  skipDisabledLevels(logger);
  return logger;
}

/**
 * winston filters by level only deep inside its stream pipeline, after a
 * write into it: at --log-level warn, each job's info lines still cost a
 * pass through the streams (1.6% of a busy daemon's CPU samples). A call
 * at a level that is off now returns at once; the check is made at each
 * call, so a level changed later (zkjobd.conf) holds.
 */
function skipDisabledLevels(logger: Logger): void {
  const methods = logger as unknown as Record<string, (...args: unknown[]) => Logger>;
  for (const name of Object.keys(logger.levels)) {
    const write = methods[name].bind(logger);
    methods[name] = (...args) => (logger.isLevelEnabled(name) ? write(...args) : logger);
  }
}
