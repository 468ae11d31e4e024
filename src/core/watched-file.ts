import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Clock, TimerHandle } from './clock.js';
import { ConfigError } from './errors.js';

/** Default quiet time (ms) after a file's last change before it is read again. */
export const WATCH_DEBOUNCE_MS = 100;

/** What {@link WatchedFile} needs. */
export interface WatchedFileOptions {
  /** The file's absolute path. */
  readonly path: string;
  /** Quiet time (ms) after the last change before the file is read again. */
  readonly debounceMs: number;
  /** The clock the debounce runs on. */
  readonly clock: Clock;
  /** The file's text, each time its content differs from the last text seen (its SHA-256 in hex beside it). */
  readonly onText: (text: string, sha256: string) => void | Promise<void>;
  /** The file could not be read (a `ConfigError` naming `path`), or the folder watch failed. */
  readonly onError: (error: unknown) => void;
}

/**
 * A file read now and again whenever it changes. It watches the file's folder, not the file, so
 * a file replaced by an atomic rename (as editors and deploy tools write) is followed; changes
 * are debounced so an editor's several writes give one read; reads run one at a time (a change
 * seen during a read reads again after it); a read whose content is the same as the last one
 * delivers nothing.
 */
export class WatchedFile {
  readonly #o: WatchedFileOptions;
  #watcher: FSWatcher | undefined;
  #timer: TimerHandle | undefined;
  #lastHash: string | undefined;
  #reading: Promise<void> | undefined;
  #again = false;
  #closed = false;

  constructor(options: WatchedFileOptions) {
    this.#o = options;
  }

  /** Starts the watch and reads the file; resolves when that first read is done. */
  start(): Promise<void> {
    const name = basename(this.#o.path);
    this.#watcher = watch(dirname(this.#o.path), { persistent: false }, (_event, changed) => {
      if (changed === null || changed.toString() === name) this.#schedule();
    });
    this.#watcher.on('error', (error) => {
      if (!this.#closed) this.#o.onError(error);
    });
    return this.#read();
  }

  /** Stops the watch and the debounce timer; waits for a read in progress. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#watcher?.close();
    this.#watcher = undefined;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#reading;
  }

  #schedule(): void {
    if (this.#closed) return;
    const { clock, debounceMs } = this.#o;
    if (this.#timer !== undefined) clock.clearTimeout(this.#timer);
    this.#timer = clock.setTimeout(() => {
      this.#timer = undefined;
      void this.#read();
    }, debounceMs);
  }

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
    const { path } = this.#o;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      // A rename in progress leaves no file for a moment: the watcher reports the new one.
      if (!this.#closed) this.#o.onError(new ConfigError('path', path, `a readable file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`));
      return;
    }
    const hash = createHash('sha256').update(text).digest('hex');
    if (hash === this.#lastHash || this.#closed) return;
    this.#lastHash = hash;
    await this.#o.onText(text, hash);
  }
}
