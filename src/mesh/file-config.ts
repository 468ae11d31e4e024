import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { systemClock, type Clock, type TimerHandle } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import { numberOption, readOptions } from '../core/options.js';
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

/** Debounce of {@link fileConfig} (ms). */
const DEBOUNCE_MS = 100;

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
  return new FileConfigSource(resolve(path), (o.format as ConfigFormat | undefined) ?? formatOfPath(path), numberOption(o.debounceMs, 'debounceMs', DEBOUNCE_MS), clock);
}

class FileConfigSource implements ConfigSource {
  readonly #path: string;
  readonly #format: ConfigFormat;
  readonly #debounceMs: number;
  readonly #clock: Clock;
  readonly #listeners = new Set<ConfigListener>();
  #watcher: FSWatcher | undefined;
  #timer: TimerHandle | undefined;
  #lastHash: string | undefined;
  #last: { config: unknown; version: string } | undefined;
  #reading: Promise<void> | undefined;
  #again = false;
  #first: Promise<void> | undefined;
  #closed = false;

  constructor(path: string, format: ConfigFormat, debounceMs: number, clock: Clock) {
    this.#path = path;
    this.#format = format;
    this.#debounceMs = debounceMs;
    this.#clock = clock;
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
    this.#watcher?.close();
    this.#watcher = undefined;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#reading;
  }

  #start(): void {
    if (this.#first || this.#closed) return;
    const name = basename(this.#path);
    this.#watcher = watch(dirname(this.#path), { persistent: false }, (_event, changed) => {
      if (changed === null || changed.toString() === name) this.#schedule();
    });
    this.#watcher.on('error', (error) => this.#error(error));
    this.#first = this.#read();
  }

  #schedule(): void {
    if (this.#closed) return;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      void this.#read();
    }, this.#debounceMs);
  }

  /** Reads the file once at a time; a change seen during a read reads it again after. */
  #read(): Promise<void> {
    if (this.#reading) {
      this.#again = true;
      return this.#reading;
    }
    this.#reading = (async () => {
      do {
        this.#again = false;
        await this.#readOnce();
      } while (this.#again && !this.#closed);
    })().finally(() => (this.#reading = undefined));
    return this.#reading;
  }

  async #readOnce(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch (error) {
      // A rename in progress leaves no file for a moment: the watcher reports the new one.
      this.#error(new ConfigError('path', this.#path, `a readable config file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`));
      return;
    }
    const hash = createHash('sha256').update(text).digest('hex');
    if (hash === this.#lastHash) return;
    let config: unknown;
    try {
      config = await parseConfigText(text, this.#format, this.#path);
    } catch (error) {
      this.#lastHash = hash;
      this.#error(error);
      return;
    }
    if (this.#closed) return;
    this.#lastHash = hash;
    this.#last = { config, version: `sha256:${hash.slice(0, 12)}` };
    for (const listener of this.#listeners) listener.update(config, this.#last.version);
  }

  #error(error: unknown): void {
    if (this.#closed) return;
    for (const listener of this.#listeners) listener.error(error);
  }
}
