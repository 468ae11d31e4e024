import type { Middleware } from '../core/call.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { EventBus } from '../core/events.js';
import type { ObservedMesh } from '../metrics/mesh-metrics.js';
import type { AlertRule, AlertSettings } from './alert-options.js';
import { CallWindow } from './call-window.js';

/** An alert that is firing, as `health()` reports it. */
export interface FiringAlert {
  readonly rule: AlertRule;
  /** The metric's value when it fired. */
  readonly value: number;
  /** Clock time it fired (ms). */
  readonly since: number;
}

/** One rule's alert for one service. */
interface AlertState {
  rule: AlertRule;
  readonly service: string;
  firing: FiringAlert | undefined;
  /** Since when (ms) the condition that would change the alert has held. */
  pendingSince: number | undefined;
  lastValue: number | undefined;
}

/**
 * A mesh's alert rules: evaluated every `interval` ms on the mesh's clock, each rule once per
 * service it watches; an alert fires when its condition has held for the rule's `for` and
 * resolves when the resolve condition has (hysteresis), announced by `alert` and
 * `alert-resolved` events (and their diagnostics channels). The call metrics come from a
 * rolling window per service and window length, written by {@link Alerts.layer}; alert state
 * survives config reloads that keep the rule's name and service.
 */
export class Alerts {
  readonly #clock: Clock;
  readonly #events: EventBus;
  readonly #mesh: ObservedMesh;
  #settings: AlertSettings | undefined;
  /** Alerts by rule name and service. */
  #alerts = new Map<string, AlertState>();
  /** Rolling windows by service, then window length. */
  #windows = new Map<string, Map<number, CallWindow>>();
  #timer: TimerHandle | undefined;
  #stopMarks: (() => void) | undefined;

  constructor(clock: Clock, events: EventBus, mesh: ObservedMesh) {
    this.#clock = clock;
    this.#events = events;
    this.#mesh = mesh;
  }

  /**
   * The layer that feeds `service`'s call windows, when `settings` have a call-based rule for it
   * (`success-rate` or `p99`); a logical call fails when it throws (the caller's own abort
   * aside) or gets a status of 500 or more.
   */
  layer(service: string, settings: AlertSettings): Middleware | undefined {
    const key = service.toLowerCase();
    const needed = settings.rules.some((r) => (r.service === undefined || r.service === key) && (r.metric === 'success-rate' || r.metric === 'p99'));
    if (!needed) return undefined;
    const clock = this.#clock;
    return (call, next) => {
      const start = clock.now();
      return next(call).then(
        (reply) => {
          const windows = this.#windows.get(key);
          if (windows) {
            const now = clock.now();
            for (const window of windows.values()) window.record(now, reply.status < 500, now - start);
          }
          return reply;
        },
        (error: unknown) => {
          const windows = this.#windows.get(key);
          if (windows && !call.signal?.aborted) {
            const now = clock.now();
            for (const window of windows.values()) window.record(now, false, now - start);
          }
          throw error;
        },
      );
    };
  }

  /** Takes the rules of a config just applied, whose services (lower-cased) are `services`. */
  apply(settings: AlertSettings, services: Iterable<string>): void {
    const now = this.#clock.now();
    const names = [...services];
    const alerts = new Map<string, AlertState>();
    const windows = new Map<string, Map<number, CallWindow>>();
    for (const rule of settings.rules) {
      for (const service of rule.service === undefined ? names : [rule.service]) {
        const key = `${rule.name}\u0000${service}`;
        const kept = this.#alerts.get(key);
        alerts.set(key, kept ? Object.assign(kept, { rule }) : { rule, service, firing: undefined, pendingSince: undefined, lastValue: undefined });
        if (rule.metric === 'success-rate' || rule.metric === 'p99' || rule.metric === 'budget-exhausted') {
          let byLength = windows.get(service);
          if (!byLength) windows.set(service, (byLength = new Map()));
          if (!byLength.has(rule.windowMs)) byLength.set(rule.windowMs, this.#windows.get(service)?.get(rule.windowMs) ?? new CallWindow(rule.windowMs, now));
        }
      }
    }
    for (const [key, state] of this.#alerts) if (!alerts.has(key) && state.firing) this.#emit('alert-resolved', state, state.lastValue ?? state.firing.value);
    this.#alerts = alerts;
    this.#windows = windows;
    this.#settings = settings;
    const marks = settings.rules.some((r) => r.metric === 'budget-exhausted');
    if (marks && !this.#stopMarks) {
      this.#stopMarks = this.#events.on('budget-exhausted', (e) => {
        for (const window of this.#windows.get(e.service.toLowerCase())?.values() ?? []) window.mark(this.#clock.now());
      });
    } else if (!marks && this.#stopMarks) {
      this.#stopMarks();
      this.#stopMarks = undefined;
    }
    this.#arm();
  }

  /** The alerts of `service` (lower-cased) that are firing. */
  firing(service: string): FiringAlert[] {
    const out: FiringAlert[] = [];
    for (const state of this.#alerts.values()) if (state.service === service && state.firing) out.push(state.firing);
    return out;
  }

  /** Evaluates every rule now (the timer does this every interval). */
  evaluate(): void {
    const now = this.#clock.now();
    for (const state of this.#alerts.values()) {
      const value = this.#measure(state, now);
      state.lastValue = value;
      if (value === undefined) {
        state.pendingSince = undefined;
        continue;
      }
      const { rule } = state;
      const changing = state.firing
        ? rule.direction === 'above' ? value <= rule.resolve : value >= rule.resolve
        : rule.direction === 'above' ? value > rule.threshold : value < rule.threshold;
      if (!changing) {
        state.pendingSince = undefined;
        continue;
      }
      state.pendingSince ??= now;
      if (now - state.pendingSince < rule.forMs) continue;
      state.pendingSince = undefined;
      if (state.firing) {
        state.firing = undefined;
        this.#emit('alert-resolved', state, value);
      } else {
        state.firing = { rule, value, since: now };
        this.#emit('alert', state, value);
      }
    }
  }

  /** Stops the timer and the listener. */
  close(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#stopMarks?.();
    this.#stopMarks = undefined;
    this.#alerts.clear();
    this.#windows.clear();
  }

  #arm(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    const settings = this.#settings;
    if (!settings || this.#alerts.size === 0) return;
    const tick = (): void => {
      this.#timer = this.#clock.setTimeout(tick, settings.intervalMs);
      this.evaluate();
    };
    this.#timer = this.#clock.setTimeout(tick, settings.intervalMs);
  }

  /** The rule's metric for the service now, or `undefined` when it cannot be judged. */
  #measure({ rule, service }: AlertState, now: number): number | undefined {
    const cluster = this.#mesh.active?.services.get(service)?.cluster;
    if (!cluster) return undefined;
    switch (rule.metric) {
      case 'success-rate':
      case 'p99': {
        const window = this.#windows.get(service)?.get(rule.windowMs);
        if (!window || window.calls(now) < rule.minCalls) return undefined;
        return rule.metric === 'p99' ? window.percentile(now, 99) : window.successRate(now);
      }
      case 'budget-exhausted':
        return this.#windows.get(service)?.get(rule.windowMs)?.marks(now) ?? 0;
      case 'ejected-share': {
        const { members } = cluster.fleet.snapshot;
        if (members.length === 0) return undefined;
        let ejected = 0;
        for (const member of members) if (member.health === 'ejected') ejected++;
        return ejected / members.length;
      }
      case 'discovery-stale':
        return cluster.discoveryStaleMs();
    }
  }

  #emit(name: 'alert' | 'alert-resolved', state: AlertState, value: number): void {
    if (!this.#events.wants(name)) return;
    const { rule } = state;
    const service = this.#mesh.active?.services.get(state.service)?.settings.service ?? state.service;
    this.#events.emit(name, {
      service,
      time: this.#clock.now(),
      alert: rule.name,
      metric: rule.metric,
      value,
      threshold: name === 'alert' ? rule.threshold : rule.resolve,
      severity: rule.severity,
    });
  }
}
