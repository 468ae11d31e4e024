import type { Call, Middleware } from '../core/call.js';
import type { Clock } from '../core/clock.js';
import { NoEndpointsError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import type { EndpointState } from '../fleet/endpoint-state.js';
import type { FleetSnapshot } from '../fleet/fleet.js';
import type { Membership } from '../fleet/membership.js';
import { randomAvailable, randomUntried } from './available.js';
import type { Balancer, Picker } from './balancer.js';

/** Options for {@link BalanceLayer}. */
export interface BalanceLayerOptions {
  readonly service: string;
  /** What the layer picks from: a cluster's whole fleet, or a subset view over it. */
  readonly members: Membership;
  readonly balancer: Balancer;
  readonly clock: Clock;
  readonly rng: Rng;
  /**
   * Panic mode: the endpoint to use when the picker finds none of `snapshot`'s members available
   * (every one ejected); given by the breaker layer.
   */
  readonly panic?: ((call: Call, snapshot: FleetSnapshot) => Call['endpoint']) | undefined;
}

/**
 * How many extra picks the layer asks of a picker that returned an endpoint the call already
 * tried, before it takes a random untried one itself. The built-in pickers skip tried endpoints
 * on their own; this bounds what a custom picker that ignores `call.tried` costs a retry.
 */
const UNTRIED_REPICKS = 2;

/**
 * The balance layer: keeps one picker per membership snapshot (rebuilt on change only, the old
 * one serving until an asynchronous build finishes), picks one endpoint per attempt preferring
 * endpoints the call has not tried. It only reads endpoint state: the completion seam below it
 * tracks each attempt's load.
 */
export class BalanceLayer {
  readonly #options: BalanceLayerOptions;
  #picker: Picker | undefined;
  #builtVersion = -1;
  /** The build in progress, if any; aborted when a newer membership or `close` supersedes it. */
  #building: AbortController | undefined;
  /** Settles when the build in progress does. */
  #pending: Promise<void> | undefined;
  #unsubscribe: () => void;

  constructor(options: BalanceLayerOptions) {
    this.#options = options;
    this.#rebuild(options.members.snapshot);
    this.#unsubscribe = options.members.onChange((_change, snapshot) => this.#rebuild(snapshot));
  }

  /** The version of the snapshot the serving picker was built from (-1 before the first). */
  get pickerVersion(): number {
    return this.#builtVersion;
  }

  /** The middleware: picks, and calls `next` with `call.endpoint` set. */
  readonly middleware: Middleware = (call, next) => {
    // Only the first build of a large fleet is waited for; later ones serve with the old picker.
    if (this.#picker === undefined && this.#pending) return this.#pending.then(() => this.middleware(call, next));
    let endpoint: EndpointState;
    try {
      endpoint = this.pick(call);
    } catch (error) {
      return Promise.reject(error);
    }
    return next({ ...call, endpoint });
  };

  /**
   * Picks an endpoint for `call` at clock time `now` or throws {@link NoEndpointsError}.
   * While a newer picker is being built, an endpoint that has left meanwhile is replaced by a
   * random available member.
   */
  pick(call: Call, now = this.#options.clock.now()): EndpointState {
    const picker = this.#picker;
    const { service, members: membership, rng } = this.#options;
    const snapshot = membership.snapshot;
    const members = snapshot.members;
    if (!picker || members.length === 0) throw new NoEndpointsError(service);
    let state = picker.pick(call, now);
    const tried = call.tried;
    if (state && tried.size !== 0 && tried.has(state.id)) state = this.#untried(picker, call, now, state, snapshot);
    if (state && this.#builtVersion !== snapshot.version && membership.get(state.id) !== state) state = randomAvailable(snapshot, rng);
    state ??= this.#options.panic?.(call, snapshot);
    if (!state) throw new NoEndpointsError(service, 'every endpoint is ejected');
    return state;
  }

  /**
   * `picked` is an endpoint `call` already tried: re-pick a bounded number of times, then take a
   * random available endpoint not tried yet, if there is one (else keep `picked`).
   */
  #untried(picker: Picker, call: Call, now: number, picked: EndpointState, snapshot: FleetSnapshot): EndpointState {
    const tried = call.tried;
    for (let i = 0; i < UNTRIED_REPICKS; i++) {
      const state = picker.pick(call, now);
      if (state && !tried.has(state.id)) return state;
    }
    return randomUntried(snapshot, tried, this.#options.rng) ?? picked;
  }

  /** Stops following membership changes and abandons a build in progress. */
  close(): void {
    this.#unsubscribe();
    this.#building?.abort();
    this.#building = undefined;
    this.#pending = undefined;
  }

  #rebuild(snapshot: FleetSnapshot): void {
    const { balancer, clock, rng } = this.#options;
    this.#building?.abort();
    this.#building = undefined;
    this.#pending = undefined;
    if (snapshot.members.length === 0) {
      // Nothing to pick from (before discovery's first answer): no picker, so the first calls wait
      // for the first real build instead of falling back from an empty one.
      this.#install(undefined, snapshot.version);
      return;
    }
    const building = new AbortController();
    const built = balancer.build(snapshot, { clock, rng, signal: building.signal });
    if (!(built instanceof Promise)) {
      this.#install(built, snapshot.version);
      return;
    }
    this.#building = building;
    this.#pending = built
      .then(
        (picker) => {
          if (this.#building === building) this.#install(picker, snapshot.version);
        },
        () => {
          // Aborted, or failed: keep serving with the previous picker; the next membership change builds again.
        },
      )
      .finally(() => {
        if (this.#building !== building) return;
        this.#building = undefined;
        this.#pending = undefined;
      });
  }

  #install(picker: Picker | undefined, version: number): void {
    this.#picker = picker;
    this.#builtVersion = version;
  }
}
