import { Blob } from 'node:buffer';
import { Readable } from 'node:stream';

/**
 * A reply body held in memory, with the same reading API as undici's response body (`text()`,
 * `json()`, `bytes()`, `arrayBuffer()`, `blob()`, `dump()`, `bodyUsed`), so a fallback reply
 * reaches the caller exactly as a network reply would.
 */
export class StaticBody extends Readable {
  readonly #bytes: Uint8Array;
  #used = false;

  /** @param bytes - the whole body */
  constructor(bytes: Uint8Array) {
    super();
    this.#bytes = bytes;
  }

  override _read(): void {
    this.#used = true;
    if (this.#bytes.byteLength > 0) this.push(this.#bytes);
    this.push(null);
  }

  /** Whether the body has been read. */
  get bodyUsed(): boolean {
    return this.#used;
  }

  /** Always `undefined`, as on undici's body (use the methods). */
  get body(): undefined {
    return undefined;
  }

  /** The body as bytes. */
  async bytes(): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of this) chunks.push(chunk as Uint8Array);
    return chunks.length === 1 ? chunks[0]! : new Uint8Array(Buffer.concat(chunks));
  }

  /** The body as UTF-8 text. */
  async text(): Promise<string> {
    return new TextDecoder().decode(await this.bytes());
  }

  /** The body parsed as JSON. */
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  /** The body as an ArrayBuffer. */
  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.bytes();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  /** The body as a Blob. */
  async blob(): Promise<Blob> {
    return new Blob([await this.bytes()]);
  }

  /** Not supported, as on undici's body. */
  formData(): Promise<never> {
    return Promise.reject(new TypeError('formData() is not supported'));
  }

  /** Discards the body. */
  async dump(): Promise<void> {
    this.#used = true;
    this.destroy();
  }
}
