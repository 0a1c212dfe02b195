// A repeated option: the last one wins, as with every Unix tool; array
// options still collect. yargs-parser collects every repeat into an array.

/** Keep the last value of each repeated option that is not an array option. */
export function lastOneWins(argv: Record<string, unknown>, arrays: Set<string>): void {
  for (const [key, value] of Object.entries(argv)) {
    if (key !== '_' && key !== '--' && Array.isArray(value) && !arrays.has(key)) argv[key] = value.at(-1);
  }
}
