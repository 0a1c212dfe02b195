// Samples this host's hardware every few seconds for the node record, and
// asks for a record write only when something changed enough to matter
// (hardware.ts, changedEnough): an idle fleet writes nothing.
import { changedEnough, sampleHardware, type Hardware } from '../hardware.js';

export const HARDWARE_SAMPLE_MS = 5_000;

export class HardwareMonitor {
  /** The latest sample; undefined until the first one. */
  current: Hardware | undefined;
  private published: Hardware | null = null;
  private timer: NodeJS.Timeout | null = null;
  private sampling = false;

  constructor(private readonly dir: string, private readonly changed: () => void, private readonly intervalMs = HARDWARE_SAMPLE_MS) {}

  async sample(): Promise<void> {
    this.current = await sampleHardware(this.dir);
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.sampling) return; // a slow nvidia-smi: skip a beat rather than pile up
      this.sampling = true;
      void this.sample()
        .then(() => {
          if (this.current && changedEnough(this.published, this.current)) this.changed();
        })
        .catch(() => undefined)
        .finally(() => (this.sampling = false));
    }, this.intervalMs);
    this.timer.unref();
  }

  /** The sample that goes into the record being written now. */
  forRecord(): Hardware | undefined {
    this.published = this.current ?? null;
    return this.current;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
