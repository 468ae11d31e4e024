import { resolve } from 'node:path';
import { systemClock, type Clock } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import { isPlainObject, numberOption, readOptions } from '../core/options.js';
import type { Rng } from '../core/rng.js';
import { WATCH_DEBOUNCE_MS, WatchedFile } from '../core/watched-file.js';
import type { EndpointInput } from '../fleet/endpoint.js';
import { formatOfPath, parseConfigText, type ConfigFormat } from '../mesh/config-text.js';
import { createDiscovery, type DiscoveryBaseOptions, type ManagedDiscovery } from './managed-discovery.js';

/** Options of {@link fileDiscovery}. */
export interface FileDiscoveryOptions {
  /** `json` or `yaml` (default: from the file name, `.yaml`/`.yml` being YAML; YAML needs the optional `yaml` package). */
  format?: ConfigFormat;
  /** Quiet time (ms) after the last change before the file is read again (default 100). */
  debounceMs?: number;
  /** Backoff (ms) before the folder watch is set up again after it failed (the base's defaults). */
  backoff?: DiscoveryBaseOptions['backoff'];
  /** The clock of the debounce and backoff (default: the system clock). */
  clock?: Clock;
  /** The random source of the backoff jitter (default: `Math.random`). */
  rng?: Rng;
}

/**
 * Endpoints from a watched JSON or YAML file: a list of endpoints (URLs or
 * `{ url, id?, weight?, zone?, tags? }`), or an object with such a list under `endpoints`. The
 * file's folder is watched, so an atomic rename is followed; edits are debounced. A file that is
 * missing, malformed or lists no valid endpoint is reported (`discovery-error`) and the last good
 * set is kept.
 *
 * @example
 * import { fileDiscovery } from 'switchyard/file';
 * const client = createClient({ service: 'payments', discovery: fileDiscovery('./payments.json') });
 */
export function fileDiscovery(path: string, options: FileDiscoveryOptions = {}): ManagedDiscovery {
  if (typeof path !== 'string' || path === '') throw new ConfigError('path', path, 'a file path');
  const o = readOptions(options, '', ['format', 'debounceMs', 'backoff', 'clock', 'rng'] as const);
  if (o.format !== undefined && o.format !== 'json' && o.format !== 'yaml') throw new ConfigError('format', o.format, '"json" or "yaml"');
  const format = (o.format as ConfigFormat | undefined) ?? formatOfPath(path);
  const debounceMs = numberOption(o.debounceMs, 'debounceMs', WATCH_DEBOUNCE_MS);
  const clock = (o.clock as Clock | undefined) ?? systemClock;
  const file = resolve(path);
  return createDiscovery({
    name: `file ${file}`,
    backoff: o.backoff as DiscoveryBaseOptions['backoff'],
    clock,
    rng: o.rng as Rng | undefined,
    run: (session) =>
      new Promise<void>((done, fail) => {
        const watched = new WatchedFile({
          path: file,
          debounceMs,
          clock,
          async onText(text) {
            try {
              session.replace(endpointList(await parseConfigText(text, format, file), file));
            } catch (error) {
              session.error(error);
            }
          },
          onError(error) {
            if (error instanceof ConfigError) return session.error(error);
            // The folder watch itself failed (the folder went away): end the session, the base retries.
            void watched.close().then(() => fail(error));
          },
        });
        session.signal.addEventListener('abort', () => void watched.close().then(() => done()), { once: true });
        void watched.start();
      }),
  });
}

function endpointList(value: unknown, file: string): readonly EndpointInput[] {
  const list = isPlainObject(value) ? value.endpoints : value;
  if (!Array.isArray(list)) throw new ConfigError(file, value, 'a list of endpoints, or { endpoints: [...] }');
  return list as EndpointInput[];
}
