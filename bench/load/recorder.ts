import { build, type Histogram } from 'hdr-histogram-js';

/** How one request ended, from the caller's point of view. */
export type Outcome = 'ok' | 'status' | 'timeout' | 'error';

/** Latency percentiles of one run (ms). */
export interface LatencySummary {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  /** Exact mean (not from the histogram's buckets). */
  readonly mean: number;
}

/** The result of one strategy on one scenario. */
export interface RunResult {
  readonly strategy: string;
  /** Arrivals in the measured window. */
  readonly offered: number;
  /** Arrivals per second in the measured window. */
  readonly offeredRate: number;
  /** Successful replies per second (2xx-4xx within the caller's timeout). */
  readonly achievedRate: number;
  /** Share of offered requests that succeeded within the caller's timeout (%). */
  readonly successPct: number;
  /** Failures by kind: 5xx status, caller timeout, transport error (reset, refused). */
  readonly failures: { readonly status: number; readonly timeout: number; readonly error: number };
  /** Latency of every request, successful or not, measured from its intended send time. */
  readonly latency: LatencySummary;
  /** Points `[latency ms, percentile]` of the latency CDF, for charts. */
  readonly cdf: readonly (readonly [number, number])[];
  /** Requests each backend received (retries included), by backend name. */
  readonly backendRequests: Readonly<Record<string, number>>;
}

/** Percentiles of the CDF chart: denser towards the tail (1 - 10^(-k/8)), up to 99.999 and then the max. */
const CDF_PERCENTILES: readonly number[] = [...Array.from({ length: 41 }, (_, k) => 100 * (1 - 10 ** (-k / 8))), 100];

/**
 * Records the requests of one run: latencies in an HDR histogram (microsecond resolution, 3
 * significant digits; Gil Tene's HdrHistogram through `hdr-histogram-js`) and outcome counts.
 * Only requests whose intended send time falls in the measured window (t >= 0) count.
 */
export class RunRecorder {
  readonly #histogram: Histogram = build({ numberOfSignificantValueDigits: 3 });
  #sum = 0;
  #offered = 0;
  #ok = 0;
  #status = 0;
  #timeout = 0;
  #error = 0;

  /**
   * Records one finished request.
   * @param intendedAt - its intended send time (ms since the window started); warm-up requests (< 0) are ignored
   * @param latencyMs - time from the intended send time to the end of the reply
   * @param outcome - how it ended
   */
  record(intendedAt: number, latencyMs: number, outcome: Outcome): void {
    if (intendedAt < 0) return;
    this.#offered++;
    this.#sum += latencyMs;
    this.#histogram.recordValue(Math.max(0, Math.round(latencyMs * 1_000)));
    if (outcome === 'ok') this.#ok++;
    else if (outcome === 'status') this.#status++;
    else if (outcome === 'timeout') this.#timeout++;
    else this.#error++;
  }

  /** Summarises the run and releases the histogram. */
  finish(strategy: string, durationMs: number, backendRequests: Readonly<Record<string, number>>): RunResult {
    const h = this.#histogram;
    const at = (p: number): number => h.getValueAtPercentile(p) / 1_000;
    const n = this.#offered;
    const seconds = durationMs / 1_000;
    const result: RunResult = {
      strategy,
      offered: n,
      offeredRate: n / seconds,
      achievedRate: this.#ok / seconds,
      successPct: n === 0 ? 0 : (100 * this.#ok) / n,
      failures: { status: this.#status, timeout: this.#timeout, error: this.#error },
      latency: { p50: at(50), p90: at(90), p99: at(99), p999: at(99.9), max: h.maxValue / 1_000, mean: n === 0 ? 0 : this.#sum / n },
      cdf: n === 0 ? [] : dedupe(CDF_PERCENTILES.map((p) => [at(p), p] as const)),
      backendRequests,
    };
    h.destroy();
    return result;
  }
}

/** Keeps the highest percentile of each run of equal latencies, so the CDF stays a step function with few points. */
function dedupe(points: (readonly [number, number])[]): (readonly [number, number])[] {
  return points.filter((point, i) => i === points.length - 1 || points[i + 1]![0] !== point[0]);
}
