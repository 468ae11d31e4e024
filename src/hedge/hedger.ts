import type { Call, Reply } from '../core/call.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { EventBus } from '../core/events.js';
import { RetryBudget } from '../retry/retry-budget.js';
import type { HedgeSettings } from './hedge-options.js';
import { LATENCY_WINDOW_SIZE, LatencyWindow } from './latency-window.js';

/**
 * Why a hedge was sent: no reply within the latency `percentile` of recent calls, or within the
 * fixed `delay` (before the percentile has its samples, or without one).
 */
export type HedgeReason = 'percentile' | 'delay';

/** One attempt started by {@link Hedger.run}: its number in the call and its outcome. */
export interface LaunchedAttempt {
  readonly attempt: number;
  readonly reply: Promise<Reply>;
}

/** What a {@link Hedger} needs from the client. */
export interface HedgerDeps {
  readonly service: string;
  readonly clock: Clock;
  readonly events: EventBus;
  /** Whether a reply is a failure another attempt could improve on (the retryable statuses). */
  readonly isFailure: (reply: Reply) => boolean;
  /** A hedge starts only if at least this much of the deadline (ms) remains. */
  readonly minAttemptTime: number;
}

const ignore = (): void => {};

/**
 * Hedged requests ("The Tail at Scale", Dean and Barroso, CACM 2013): the retry layer runs each
 * of its attempts through {@link Hedger.run}, which starts the attempt and, if no reply has come
 * after the hedge delay, starts one more (the retry layer's `tried` set steers it to another
 * endpoint). The first good reply wins; the other attempt is aborted through its own signal and
 * its reply, if one still arrives, is dumped. A hedge spends the hedge budget, so hedges stay a
 * bounded share of requests however slow the fleet gets.
 */
export class Hedger {
  readonly #settings: HedgeSettings;
  readonly #deps: HedgerDeps;
  readonly #budget: RetryBudget;
  readonly #latency: LatencyWindow | undefined;

  constructor(settings: HedgeSettings, deps: HedgerDeps) {
    this.#settings = settings;
    this.#deps = deps;
    this.#budget = new RetryBudget(settings.budget, deps.clock.now());
    this.#latency = settings.percentile === undefined ? undefined : new LatencyWindow(LATENCY_WINDOW_SIZE);
  }

  /** Records one logical call in the hedge budget. */
  deposit(now: number): void {
    this.#budget.deposit(now);
  }

  /** The current hedge delay (ms): the latency percentile once known, else the fixed delay. */
  get delay(): number {
    const { percentile, delay } = this.#settings;
    return this.reason === 'percentile' ? this.#latency!.percentile(percentile!) : delay;
  }

  /** What sets the delay now: the latency `percentile` once it has its samples, else the fixed `delay`. */
  get reason(): HedgeReason {
    const latency = this.#latency;
    return latency && latency.count >= this.#settings.minSamples ? 'percentile' : 'delay';
  }

  /**
   * Runs one attempt of `call`, hedged. `launch(signal)` starts an attempt that must stop when
   * `signal` aborts; each gets its own signal, which also follows the caller's.
   * Resolves with the first good reply, else with the last failure (reply or error).
   */
  run(call: Call, launch: (signal: AbortSignal) => LaunchedAttempt): Promise<Reply> {
    const { clock, events, service, isFailure, minAttemptTime } = this.#deps;
    const caller = call.signal;
    if (caller?.aborted) return Promise.reject(caller.reason);
    return new Promise<Reply>((resolve, reject) => {
      const controllers: AbortController[] = [];
      let pending = 0;
      let done = false;
      let failed: Reply | undefined;
      let timer: TimerHandle | undefined;
      const onCallerAbort = (): void => {
        for (const c of controllers) c.abort(caller!.reason);
      };
      caller?.addEventListener('abort', onCallerAbort, { once: true });

      const finish = (winner: AbortController | undefined): void => {
        done = true;
        if (timer !== undefined) clock.clearTimeout(timer);
        caller?.removeEventListener('abort', onCallerAbort);
        for (const c of controllers) if (c !== winner) c.abort();
      };
      const fail = (reply: Reply | undefined, error: unknown): void => {
        failed?.body.dump().catch(ignore);
        failed = reply;
        // The other attempt may still win.
        if (pending > 0) return;
        finish(undefined);
        if (reply) resolve(reply);
        else reject(error);
      };
      // Latency is observed from the first attempt's start, whichever attempt wins: the delay then
      // tracks the latency callers see, and hedged calls (all slower than the delay) keep the share
      // of calls above the percentile steady, instead of fast hedge replies dragging it down.
      const started = clock.now();
      const start = (): number => {
        const controller = new AbortController();
        controllers.push(controller);
        pending++;
        const { attempt, reply } = launch(controller.signal);
        reply.then(
          (r) => {
            pending--;
            if (done) {
              r.body.dump().catch(ignore);
            } else if (isFailure(r)) {
              fail(r, undefined);
            } else {
              this.#latency?.observe(clock.now() - started);
              finish(controller);
              failed?.body.dump().catch(ignore);
              resolve(r);
            }
          },
          (error: unknown) => {
            pending--;
            if (!done) fail(undefined, error);
          },
        );
        return attempt;
      };

      start();
      const hedge = (): void => {
        timer = undefined;
        if (done) return;
        const now = clock.now();
        if (call.deadline - now < minAttemptTime) return;
        if (!this.#budget.tryWithdraw(now)) {
          if (events.wants('budget-exhausted')) events.emit('budget-exhausted', { service, time: now, kind: 'hedge' });
          return;
        }
        const attempt = start();
        if (events.wants('hedge')) events.emit('hedge', { service, time: now, attempt, reason });
      };
      // The hedge goes one timer turn after the delay: when this process was paused (GC, a busy
      // loop), timers run before pending I/O is read, and a reply that arrived during the pause
      // must win before a hedge is spent on it.
      const reason = this.reason;
      timer = clock.setTimeout(() => {
        timer = done ? undefined : clock.setTimeout(hedge, 0);
      }, this.delay);
    });
  }
}
