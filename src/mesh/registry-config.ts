import type { Clock } from '../core/clock.js';
import { DiscoveryError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { SessionLoop, type SessionBackoff } from '../discovery/session-loop.js';
import type { ConfigListener, ConfigSource } from './config-source.js';
import { parseConfigText, type ConfigFormat } from './config-text.js';

/** What one session of a {@link registryConfig} source gets: how to hand over what it read. */
export interface RegistryConfigSession {
  /** Aborts when the source closes. */
  readonly signal: AbortSignal;
  /**
   * The key's value `text` at `version`: parsed, and delivered to the listeners unless it is the
   * text or version delivered last. Deliveries run one at a time, in call order.
   */
  deliver(text: string, version: string): Promise<void>;
  /** Reports a problem to the listeners (the active config stays): a missing key, a lost watch. */
  error(error: unknown): void;
  /** The session reached the registry: the next failure starts the backoff from its first step. */
  reset(): void;
}

/** How a registry-backed config source reads its key. */
export interface RegistryConfigOptions {
  /** Names the source in errors (`etcd config /config/mesh.yaml`). */
  readonly name: string;
  /** The key, as errors of the config's text name it. */
  readonly origin: string;
  readonly format: ConfigFormat;
  readonly backoff: SessionBackoff;
  readonly clock: Clock;
  readonly rng: Rng;
  /** One session with the registry: read or watch the key until the signal aborts or it fails (then a new one starts after a backoff). */
  run(session: RegistryConfigSession): Promise<void>;
  /** Releases what the source made (its client), after the last session ended. */
  close?(): void;
}

/**
 * A mesh config source over one key of a registry (etcd, Consul KV): the listeners, the last
 * config delivered, `ready()` and `close()`, around sessions restarted with backoff by a
 * {@link SessionLoop}. A value that does not parse, or a missing key, is reported through the
 * listeners' `error` and the active config stays; the same text or version is not delivered twice.
 */
export function registryConfig(options: RegistryConfigOptions): ConfigSource {
  const { name, origin, format } = options;
  const listeners = new Set<ConfigListener>();
  let last: { config: unknown; version: string; text: string } | undefined;
  let settled = false;
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const settle = (): void => {
    settled = true;
    markReady();
  };
  const error = (e: unknown): void => {
    for (const listener of listeners) listener.error(e);
    settle();
  };
  let delivering = Promise.resolve();
  const deliver = (text: string, version: string): Promise<void> => {
    delivering = delivering.then(async () => {
      if (version === last?.version || text === last?.text) return settle();
      let config: unknown;
      try {
        config = await parseConfigText(text, format, origin);
      } catch (e) {
        return error(e);
      }
      if (loop.signal.aborted) return;
      last = { config, version, text };
      for (const listener of listeners) listener.update(config, version);
      settle();
    });
    return delivering;
  };
  const loop: SessionLoop = new SessionLoop({
    backoff: options.backoff,
    clock: options.clock,
    rng: options.rng,
    onFailure: (e) => error(e instanceof DiscoveryError ? e : new DiscoveryError(name, e instanceof Error ? e.message : String(e), { cause: e })),
    run: (signal) => options.run({ signal, deliver, error, reset: () => loop.reset() }),
  });
  return {
    subscribe(listener) {
      if (loop.signal.aborted) return () => {};
      listeners.add(listener);
      if (last) listener.update(last.config, last.version);
      loop.start();
      return () => listeners.delete(listener);
    },
    ready() {
      loop.start();
      return settled ? Promise.resolve() : ready;
    },
    async close() {
      listeners.clear();
      settle();
      await loop.close(new DiscoveryError(name, 'closed'));
      await delivering;
      options.close?.();
    },
  };
}
