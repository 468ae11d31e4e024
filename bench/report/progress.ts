import type { Clock } from '../../src/core/clock.js';
import { formatDuration } from './format.js';

/** Where progress goes: a terminal gets a live bar, anything else one line per run. */
export interface ProgressStream {
  write(text: string): boolean;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

const BAR_WIDTH = 28;

/**
 * The progress bar shown while the bench runs: runs done out of the total, the scenario and
 * strategy running now, and an estimate of the time left. On a terminal it redraws one line; in a
 * log (CI, a pipe) it prints one line as each run starts.
 */
export class Progress {
  readonly #stream: ProgressStream;
  readonly #clock: Clock;
  readonly #total: number;
  readonly #started: number;
  #done = 0;
  #label = '';
  #fraction = 0;
  #drawn = false;

  /**
   * @param stream - usually `process.stderr`, so tables on stdout stay clean
   * @param totalRuns - scenario × strategy runs planned
   * @param clock - the clock the elapsed time and ETA are read from
   */
  constructor(stream: ProgressStream, totalRuns: number, clock: Clock) {
    this.#stream = stream;
    this.#clock = clock;
    this.#total = Math.max(1, totalRuns);
    this.#started = clock.now();
  }

  /** A run begins. */
  start(label: string): void {
    this.#label = label;
    this.#fraction = 0;
    if (this.#stream.isTTY) this.#draw();
    else this.#stream.write(`[${this.#done + 1}/${this.#total}] ${label}\n`);
  }

  /** The current run is `fraction` done. */
  update(fraction: number): void {
    this.#fraction = fraction;
    if (this.#stream.isTTY) this.#draw();
  }

  /** The current run is over. */
  finish(): void {
    this.#done++;
    this.#fraction = 0;
    if (this.#stream.isTTY) this.#draw();
  }

  /** Clears the bar so other output can be printed; the next update redraws it. */
  clear(): void {
    if (this.#drawn) this.#stream.write('\r\x1b[K');
    this.#drawn = false;
  }

  /** The bar's text for the current state. */
  line(): string {
    const done = Math.min((this.#done + this.#fraction) / this.#total, 1);
    const filled = Math.round(done * BAR_WIDTH);
    const elapsed = this.#clock.now() - this.#started;
    const eta = done > 0 ? formatDuration((elapsed / done) * (1 - done)) : '?';
    return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${Math.min(this.#done + 1, this.#total)}/${this.#total} ${this.#label}  ${formatDuration(elapsed)} elapsed, ~${eta} left`;
  }

  #draw(): void {
    const text = this.line();
    const width = this.#stream.columns ?? 120;
    this.#stream.write(`\r\x1b[K${text.length > width - 1 ? text.slice(0, width - 1) : text}`);
    this.#drawn = true;
  }
}
