// Durations as operators write them: "90", "90s", "500ms", "5m", "2h", "1d".
// A bare number is seconds, as in sleep(1) and systemd.
import { UsageError } from './errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string, what = 'duration'): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) throw new UsageError(`invalid ${what} '${text}': use e.g. 500ms, 30s, 5m, 2h`);
  return Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 's']);
}
