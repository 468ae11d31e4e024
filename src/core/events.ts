import diagnosticsChannel from 'node:diagnostics_channel';

/** Fields every lifecycle event carries. */
export interface EventBase {
  /** The client's service name. */
  readonly service: string;
  /** Client clock time of the event (ms). */
  readonly time: number;
}

/** An event about one endpoint. */
export interface EndpointEvent extends EventBase {
  /** The endpoint's id. */
  readonly endpoint: string;
  /** The endpoint's origin URL. */
  readonly url: string;
}

/**
 * Every lifecycle event a client emits, by name. Listen with `client.on(name, listener)`, or
 * subscribe to the diagnostics channel `switchyard:<name>` (for example `switchyard:breaker-open`).
 */
export interface ClientEvents {
  /** An endpoint joined the fleet. */
  'endpoint-added': EndpointEvent;
  /** An endpoint left the fleet; its state was dropped. */
  'endpoint-removed': EndpointEvent;
  /** An endpoint was taken out of the pickable set (its breaker opened). */
  'endpoint-ejected': EndpointEvent;
  /** An ejected endpoint is pickable again. */
  'endpoint-restored': EndpointEvent;
  /** An endpoint's breaker opened. */
  'breaker-open': EndpointEvent;
  /** An endpoint's breaker is half-open and admits probes. */
  'breaker-half-open': EndpointEvent;
  /** An endpoint's breaker closed after a successful probe. */
  'breaker-close': EndpointEvent;
  /** A retry attempt is about to be sent. */
  retry: EventBase & { readonly attempt: number; readonly delayMs: number; readonly reason: string };
  /**
   * A hedged attempt was sent; `reason` is what its delay was: the latency `percentile` of recent
   * calls, or the fixed `delay`.
   */
  hedge: EventBase & { readonly attempt: number; readonly reason: 'percentile' | 'delay' };
  /** A retry or hedge was wanted but its budget was spent. */
  'budget-exhausted': EventBase & { readonly kind: 'retry' | 'hedge' };
  /** A call was rejected or delayed by the rate limiter. */
  'rate-limited': EventBase & { readonly waitMs: number; readonly rejected: boolean };
  /** An attempt was shed by the adaptive concurrency limit. */
  'concurrency-limited': EventBase & { readonly limit: number };
  /** An attempt was rejected locally by client-side adaptive throttling. */
  throttled: EventBase & { readonly probability: number };
  /** Discovery failed; the last good endpoint set is kept. */
  'discovery-error': EventBase & { readonly error: unknown };
  /** An alert rule of the mesh config started firing for a service. */
  alert: AlertEvent;
  /** A firing alert resolved (its metric is back past the rule's `resolve` value, or the rule was removed). */
  'alert-resolved': AlertEvent;
  /** Discovery works again after failing; `staleForMs` is how long the endpoint set was stale. */
  'discovery-recovered': EventBase & { readonly staleForMs: number };
  /** A mesh configuration was validated, compiled and swapped in (also after `rollback()`). */
  'config-applied': ConfigEvent;
  /** A mesh configuration was rejected (invalid, or its source failed); the active one stays. */
  'config-rejected': ConfigEvent & { readonly error: unknown };
}

/** An alert firing or resolving: see the `alerts` section of a mesh config. */
export interface AlertEvent extends EventBase {
  /** The rule's name. */
  readonly alert: string;
  /** What the rule watches. */
  readonly metric: 'success-rate' | 'p99' | 'ejected-share' | 'budget-exhausted' | 'discovery-stale';
  /** The metric's value at the evaluation that changed the alert (units as the rule's). */
  readonly value: number;
  /** The value passed: the rule's threshold for `alert`, its resolve value for `alert-resolved`. */
  readonly threshold: number;
  /** What the firing alert makes of the service's health. */
  readonly severity: 'degraded' | 'down';
}

/** An event about a mesh configuration (not about one service, so it has no `service`). */
export interface ConfigEvent {
  /** Clock time of the event (ms). */
  readonly time: number;
  /** The configuration's version (the rejected one's, when it had one). */
  readonly version: string | undefined;
  /** The generation now active (0 before any was applied). */
  readonly generation: number;
}

/** A lifecycle event name. */
export type ClientEventName = keyof ClientEvents;

/** A listener for event `K`. */
export type ClientEventListener<K extends ClientEventName> = (event: ClientEvents[K]) => void;

/**
 * The per-client event bus: listeners registered through `on()`, and a `node:diagnostics_channel`
 * publication per event. Publishing costs a property check when nobody listens.
 */
export class EventBus {
  readonly #listeners = new Map<ClientEventName, Set<(event: never) => void>>();

  /** Adds a listener; returns a function that removes it. */
  on<K extends ClientEventName>(name: K, listener: ClientEventListener<K>): () => void {
    let set = this.#listeners.get(name);
    if (!set) this.#listeners.set(name, (set = new Set()));
    set.add(listener as (event: never) => void);
    return () => this.off(name, listener);
  }

  /** Removes a listener added with {@link EventBus.on}. */
  off<K extends ClientEventName>(name: K, listener: ClientEventListener<K>): void {
    this.#listeners.get(name)?.delete(listener as (event: never) => void);
  }

  /** Whether anyone (a listener or a channel subscriber) would see event `name`. */
  wants(name: ClientEventName): boolean {
    return (this.#listeners.get(name)?.size ?? 0) > 0 || diagnosticsChannel.channel(`switchyard:${name}`).hasSubscribers;
  }

  /** Delivers an event. A throwing listener does not break the call that emitted it. */
  emit<K extends ClientEventName>(name: K, event: ClientEvents[K]): void {
    const set = this.#listeners.get(name);
    if (set) {
      for (const listener of set) {
        try {
          (listener as ClientEventListener<K>)(event);
        } catch (error) {
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    }
    const channel = diagnosticsChannel.channel(`switchyard:${name}`);
    if (channel.hasSubscribers) channel.publish(event);
  }

  /** Drops every listener (on client close). */
  clear(): void {
    this.#listeners.clear();
  }
}
