// Durations as operators write them: "90", "90s", "500ms", "5m", "2h", "1d".
// A bare number is seconds, as in sleep(1) and systemd.
import { UsageError } from './errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string, what = 'duration'): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) throw new UsageError(`invalid ${what} '${text}': use e.g. 500ms, 30s, 5m, 2h`);
  return Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 's']);
}

/** Seconds as an operator reads them, in at most two units: "41s", "12m5s", "2h29m", "3d4h". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${pad(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86_400)}d${Math.floor(s / 3600) % 24}h`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
