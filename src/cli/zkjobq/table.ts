// Plain aligned columns, the last one left ragged, as squeue and ps print.
// `decorate` sees each padded cell (e.g. to colour a state): escape codes
// added after padding do not push the columns out of line.
export function formatTable(header: string[], rows: string[][], decorate?: (column: number, padded: string) => string): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all
    .map((r, row) => r.map((cell, i) => {
      const padded = i === r.length - 1 ? cell : cell.padEnd(widths[i]);
      return decorate && row > 0 ? decorate(i, padded) : padded;
    }).join('  ').trimEnd())
    .join('\n');
}
