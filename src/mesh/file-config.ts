import { resolve } from 'node:path';
import { systemClock, type Clock } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import { numberOption, readOptions } from '../core/options.js';
import { WATCH_DEBOUNCE_MS, WatchedFile } from '../core/watched-file.js';
import type { ConfigListener, ConfigSource } from './config-source.js';
import { formatOfPath, parseConfigText, type ConfigFormat } from './config-text.js';

/** Options of {@link fileConfig}. */
export interface FileConfigOptions {
  /** `json` or `yaml` (default: from the file name, `.yaml`/`.yml` being YAML). */
  format?: ConfigFormat;
  /** Quiet time (ms) after the last change before the file is read again (default 100), so an editor's several writes give one read. */
  debounceMs?: number;
  /** The clock the debounce runs on (default: the system clock). */
  clock?: Clock;
}

/**
 * A config source that reads a JSON or YAML file and reads it again whenever it changes. It
 * watches the file's folder, not the file, so a file replaced by an atomic rename (as editors and
 * deploy tools write) is followed; changes are debounced; a read whose content is the same as the
 * last one delivers nothing. Each config's version is a hash of its content (`sha256:` and 12 hex
 * digits). A file that is missing, unreadable or malformed is reported as an error and the mesh
 * keeps its active config.
 *
 * @example
 * const mesh = createMesh({ source: fileConfig('./mesh.yaml') });
 */
export function fileConfig(path: string, options: FileConfigOptions = {}): ConfigSource {
  if (typeof path !== 'string' || path === '') throw new ConfigError('path', path, 'a file path');
  const o = readOptions(options, '', ['format', 'debounceMs', 'clock'] as const);
  if (o.format !== undefined && o.format !== 'json' && o.format !== 'yaml') throw new ConfigError('format', o.format, '"json" or "yaml"');
  const clock = (o.clock as Clock | undefined) ?? systemClock;
  return new FileConfigSource(resolve(path), (o.format as ConfigFormat | undefined) ?? formatOfPath(path), numberOption(o.debounceMs, 'debounceMs', WATCH_DEBOUNCE_MS), clock);
}

class FileConfigSource implements ConfigSource {
  readonly #path: string;
  readonly #format: ConfigFormat;
  readonly #file: WatchedFile;
  readonly #listeners = new Set<ConfigListener>();
  #last: { config: unknown; version: string } | undefined;
  #first: Promise<void> | undefined;
  #closed = false;

  constructor(path: string, format: ConfigFormat, debounceMs: number, clock: Clock) {
    this.#path = path;
    this.#format = format;
    this.#file = new WatchedFile({ path, debounceMs, clock, onText: (text, hash) => this.#deliver(text, hash), onError: (error) => this.#error(error) });
  }

  subscribe(listener: ConfigListener): () => void {
    if (this.#closed) return () => {};
    this.#listeners.add(listener);
    if (this.#last) listener.update(this.#last.config, this.#last.version);
    this.#start();
    return () => this.#listeners.delete(listener);
  }

  ready(): Promise<void> {
    this.#start();
    return this.#first!;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    await this.#file.close();
  }

  #start(): void {
    if (this.#first || this.#closed) return;
    this.#first = this.#file.start();
  }

  async #deliver(text: string, hash: string): Promise<void> {
    let config: unknown;
    try {
      config = await parseConfigText(text, this.#format, this.#path);
    } catch (error) {
      this.#error(error);
      return;
    }
    if (this.#closed) return;
    this.#last = { config, version: `sha256:${hash.slice(0, 12)}` };
    for (const listener of this.#listeners) listener.update(config, this.#last.version);
  }

  #error(error: unknown): void {
    if (this.#closed) return;
    for (const listener of this.#listeners) listener.error(error);
  }
}
