// A progress line for long removals on a terminal ("purging default: 5,120 of
// 20,000 jobs removed"), rewritten in place on stderr. Off a terminal it
// prints nothing: logs and pipes get only the final count on stdout.

/** How often the line is redrawn at most; the first count is drawn at once. */
const REDRAW_MS = 250;

export interface ProgressLine {
  update(done: number): void;
  /** Erase the line, so the final count prints on a clean line. */
  end(): void;
}

const SILENT: ProgressLine = { update: () => {}, end: () => {} };

/** `label` is "purging default"; `total` the expected count when known (from the dry run). */
export function progressLine(label: string, total: number | null, stream: NodeJS.WriteStream = process.stderr): ProgressLine {
  if (!stream.isTTY) return SILENT;
  let drawnAt = -Infinity;
  let drawn = false;
  const draw = (done: number) => {
    const of = total === null ? '' : ` of ${total.toLocaleString('en')}`;
    stream.write(`\r\x1b[K${label}: ${done.toLocaleString('en')}${of} jobs removed`);
    drawn = true;
  };
  return {
    update(done) {
      const now = performance.now();
      if (now - drawnAt < REDRAW_MS) return;
      drawnAt = now;
      draw(done);
    },
    end() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
