import { sleep, systemClock, type Clock } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import { numberOption, readOptions, stringOption } from '../core/options.js';
import { systemRng, type Rng } from '../core/rng.js';
import { DEFAULTS } from '../defaults.js';
import type { ConfigListener, ConfigSource } from '../mesh/config-source.js';
import { formatOfPath, parseConfigText, type ConfigFormat } from '../mesh/config-text.js';
import { backoffDelay } from '../retry/backoff.js';
import { nextIndex } from './blocking-index.js';
import { boundedCall, consulClientOption, type ConsulClient, type ConsulConnection } from './consul-client.js';

/** Options of {@link consulConfig}. */
export interface ConsulConfigOptions {
  /** The KV key holding the mesh config (`config/mesh.json`). */
  key: string;
  /** `json` or `yaml` (default: from the key, `.yaml`/`.yml` being YAML). */
  format?: ConfigFormat;
  /** A `consul` client you made; it stays open when the source closes. */
  client?: ConsulClient;
  /** Where to reach Consul when switchyard makes the client (default 127.0.0.1:8500). Not with `client`. */
  consul?: ConsulConnection;
  /** The datacenter to read from (default: the agent's own). */
  datacenter?: string;
  /** How long (ms) one blocking read may wait for a change (default 60 000, at most 600 000). */
  waitMs?: number;
  /** Least time (ms) between the starts of two reads (default 250). */
  minIntervalMs?: number;
  /** Backoff (ms) after a failed read: the n-th failure in a row waits up to `min(maxMs, initialMs × 2^n)` (defaults 500 and 30 000). */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Clock of the deadlines, the rate limit and the backoff (default: the system clock). */
  clock?: Clock;
  /** Random source of the backoff jitter (default: `Math.random`). */
  rng?: Rng;
}

/**
 * A mesh config source that reads one Consul KV key and follows it with blocking queries, so a
 * `consul kv put` reaches the mesh as soon as Consul has it. Each config's version is the key's
 * `ModifyIndex`. A missing key, a value that does not parse and a failed read are reported as
 * errors (the mesh keeps its active config and emits `config-rejected`); failed reads are retried
 * with jittered backoff. The `consul` package is imported on first use, unless you pass a `client`.
 *
 * @example
 * import { consulConfig } from 'switchyard/consul';
 * const mesh = createMesh({ source: consulConfig({ key: 'config/mesh.yaml' }) });
 */
export function consulConfig(options: ConsulConfigOptions): ConfigSource {
  const o = readOptions(options, '', ['key', 'format', 'client', 'consul', 'datacenter', 'waitMs', 'minIntervalMs', 'backoff', 'clock', 'rng'] as const);
  const key = stringOption(o.key, 'key');
  if (o.format !== undefined && o.format !== 'json' && o.format !== 'yaml') throw new ConfigError('format', o.format, '"json" or "yaml"');
  const datacenter = o.datacenter === undefined ? undefined : stringOption(o.datacenter, 'datacenter');
  const waitMs = numberOption(o.waitMs, 'waitMs', DEFAULTS.consul.waitMs, { min: 1, max: 600_000, integer: true });
  const b = readOptions(o.backoff ?? {}, 'backoff', ['initialMs', 'maxMs'] as const);
  const initialMs = numberOption(b.initialMs, 'backoff.initialMs', DEFAULTS.discovery.backoff.initialMs, { min: 1 });
  return new ConsulConfigSource({
    key,
    format: (o.format as ConfigFormat | undefined) ?? formatOfPath(key),
    connect: consulClientOption(o.client, o.consul),
    query: { key, wait: `${waitMs}ms`, ...(datacenter ? { dc: datacenter } : {}) },
    deadlineMs: waitMs + Math.ceil(waitMs / 16) + DEFAULTS.discovery.pollTimeoutMs,
    minIntervalMs: numberOption(o.minIntervalMs, 'minIntervalMs', DEFAULTS.consul.minIntervalMs),
    backoff: { initial: initialMs, max: numberOption(b.maxMs, 'backoff.maxMs', Math.max(initialMs, DEFAULTS.discovery.backoff.maxMs), { min: initialMs }), multiplier: 2 },
    clock: (o.clock as Clock | undefined) ?? systemClock,
    rng: (o.rng as Rng | undefined) ?? systemRng,
  });
}

interface Settings {
  readonly key: string;
  readonly format: ConfigFormat;
  readonly connect: ReturnType<typeof consulClientOption>;
  readonly query: Record<string, string>;
  readonly deadlineMs: number;
  readonly minIntervalMs: number;
  readonly backoff: { initial: number; max: number; multiplier: number };
  readonly clock: Clock;
  readonly rng: Rng;
}

interface KvEntry {
  Value?: string | null;
  ModifyIndex?: number;
}

class ConsulConfigSource implements ConfigSource {
  readonly #s: Settings;
  readonly #listeners = new Set<ConfigListener>();
  readonly #stop = new AbortController();
  #last: { config: unknown; version: string; text: string } | undefined;
  #loop: Promise<void> | undefined;
  #first!: Promise<void>;
  #settle: () => void = () => {};

  constructor(settings: Settings) {
    this.#s = settings;
  }

  subscribe(listener: ConfigListener): () => void {
    if (this.#stop.signal.aborted) return () => {};
    this.#listeners.add(listener);
    if (this.#last) listener.update(this.#last.config, this.#last.version);
    this.#start();
    return () => this.#listeners.delete(listener);
  }

  ready(): Promise<void> {
    this.#start();
    return this.#first;
  }

  async close(): Promise<void> {
    this.#stop.abort(new Error('closed'));
    this.#listeners.clear();
    this.#settle();
    await this.#loop;
  }

  #start(): void {
    if (this.#loop || this.#stop.signal.aborted) return;
    this.#first = new Promise((resolve) => (this.#settle = resolve));
    this.#loop = this.#follow();
  }

  /** Blocking reads one after another until close; a failed read waits a backoff and starts over from the same index. */
  async #follow(): Promise<void> {
    const { clock, rng, query, deadlineMs, minIntervalMs, backoff } = this.#s;
    const signal = this.#stop.signal;
    let handle: Awaited<ReturnType<Settings['connect']>> | undefined;
    let index = 0n;
    let failures = 0;
    try {
      while (!signal.aborted) {
        const started = clock.now();
        try {
          handle ??= await this.#s.connect();
          const client: ConsulClient = handle.client;
          const [response, entry] = await boundedCall<KvEntry | undefined>(clock, deadlineMs, signal, (q) => client.kv.get(q), { ...query, index: index.toString() });
          const next = nextIndex(index, response.headers['x-consul-index']);
          index = next.index;
          failures = 0;
          // A missing key or a bad value is the config's problem, not the read's: wait for the next write.
          if (next.changed) await this.#deliver(entry).catch((error: unknown) => this.#error(error));
          await sleep(clock, minIntervalMs - (clock.now() - started), signal);
        } catch (error) {
          if (signal.aborted) break;
          this.#error(error);
          await sleep(clock, Math.max(minIntervalMs, backoffDelay(failures++, backoff, rng)), signal).catch(() => {});
        }
      }
    } finally {
      handle?.release();
    }
  }

  async #deliver(entry: KvEntry | undefined): Promise<void> {
    const { key, format } = this.#s;
    if (entry === undefined) throw new ConfigError('key', key, 'a Consul KV key that exists');
    const text = entry.Value ?? '';
    if (text === this.#last?.text) return;
    const config = await parseConfigText(text, format, `consul key ${key}`);
    if (this.#stop.signal.aborted) return;
    this.#last = { config, version: String(entry.ModifyIndex), text };
    for (const listener of this.#listeners) listener.update(config, this.#last.version);
    this.#settle();
  }

  #error(error: unknown): void {
    for (const listener of this.#listeners) listener.error(error);
    this.#settle();
  }
}
