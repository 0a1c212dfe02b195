// Pipelines without a shell: `zkjobc submit -- sort data '|' uniq -c` has a
// lone "|" argument between stages. "\|" stands for a literal "|", and
// --pipe-token picks another separator (then "|" is literal too).
import { UsageError } from './errors.js';

export function splitPipeline(args: readonly string[], token = '|'): string[][] {
  const stages: string[][] = [[]];
  for (const arg of args) {
    if (arg === token) stages.push([]);
    else stages[stages.length - 1].push(token === '|' && arg === '\\|' ? '|' : arg);
  }
  if (stages.some((s) => s.length === 0)) {
    throw new UsageError(stages.length === 1 ? 'no command given' : `empty pipeline stage: '${token}' needs a command on both sides`);
  }
  return stages;
}
