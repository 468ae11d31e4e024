import type { Call, Middleware } from '../core/call.js';
import type { Clock } from '../core/clock.js';
import { NoEndpointsError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import type { Fleet, FleetSnapshot } from '../fleet/fleet.js';
import type { Balancer, Picker } from './balancer.js';

/** Options for {@link BalanceLayer}. */
export interface BalanceLayerOptions {
  readonly service: string;
  readonly fleet: Fleet;
  readonly balancer: Balancer;
  readonly clock: Clock;
  readonly rng: Rng;
}

/** How many extra picks the layer spends looking for an endpoint this call has not tried yet. */
const UNTRIED_REPICKS = 2;

/**
 * The balance layer: keeps one picker per membership snapshot (rebuilt on change only, the old
 * one serving until an asynchronous build finishes), picks one endpoint per attempt preferring
 * endpoints the call has not tried, and is the load tracker: it alone writes in-flight counts and
 * latency samples to the fleet's endpoint state.
 */
export class BalanceLayer {
  readonly #options: BalanceLayerOptions;
  #picker: Picker | undefined;
  #builtVersion = -1;
  #building = 0;
  #unsubscribe: () => void;

  constructor(options: BalanceLayerOptions) {
    this.#options = options;
    this.#rebuild(options.fleet.snapshot);
    this.#unsubscribe = options.fleet.onChange((_change, snapshot) => this.#rebuild(snapshot));
  }

  /** The version of the snapshot the serving picker was built from (-1 before the first). */
  get pickerVersion(): number {
    return this.#builtVersion;
  }

  /** The middleware: picks, tracks load, calls `next` with `call.endpoint` set. */
  readonly middleware: Middleware = async (call, next) => {
    const state = this.pick(call);
    const { clock } = this.#options;
    const started = clock.now();
    state.start();
    let ok = false;
    try {
      const reply = await next({ ...call, endpoint: state });
      ok = reply.status < 500;
      return reply;
    } finally {
      const now = clock.now();
      state.finish(now - started, now, ok);
    }
  };

  /** Picks an endpoint for `call` or throws {@link NoEndpointsError}. */
  pick(call: Call): NonNullable<Call['endpoint']> {
    const picker = this.#picker;
    const { service, fleet } = this.#options;
    if (!picker || fleet.snapshot.members.length === 0) throw new NoEndpointsError(service);
    let state = picker.pick(call);
    if (state && call.tried.size > 0) {
      for (let i = 0; i < UNTRIED_REPICKS && state && call.tried.has(state.id) && call.tried.size < fleet.snapshot.members.length; i++) {
        state = picker.pick(call) ?? state;
      }
    }
    if (!state) throw new NoEndpointsError(service, 'every endpoint is ejected');
    return state;
  }

  /** Stops following membership changes. */
  close(): void {
    this.#unsubscribe();
  }

  #rebuild(snapshot: FleetSnapshot): void {
    const { balancer, clock, rng } = this.#options;
    const built = balancer.build(snapshot, { clock, rng });
    if (!(built instanceof Promise)) {
      this.#building++;
      this.#install(built, snapshot.version);
      return;
    }
    const ticket = ++this.#building;
    built.then(
      (picker) => {
        // A newer build started meanwhile: it wins, whatever order they finish in.
        if (ticket === this.#building) this.#install(picker, snapshot.version);
      },
      () => {
        // Keep serving with the previous picker; the next membership change retries the build.
      },
    );
  }

  #install(picker: Picker, version: number): void {
    this.#picker = picker;
    this.#builtVersion = version;
  }
}
