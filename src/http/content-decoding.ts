import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';

/**
 * The `accept-encoding` `client.fetch` sends when the caller set none: the codings it always
 * decodes. (undici's fetch sends `gzip, deflate` over http and adds `br, zstd` over https;
 * switchyard decodes brotli whatever the endpoint's scheme, and zstd only where `node:zlib` has it.)
 */
export const ACCEPT_ENCODING = 'gzip, deflate, br';

/** More codings than this is a hostile response (undici's fetch limit, after urllib3 and curl CVEs). */
const MAX_CODINGS = 5;

// Lenient about a truncated last block, as browsers, curl and undici's fetch are.
const ZLIB_OPTIONS = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
const BROTLI_OPTIONS = { flush: zlib.constants.BROTLI_OPERATION_FLUSH, finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH };
const hasZstd = typeof (zlib as { createZstdDecompress?: unknown }).createZstdDecompress === 'function';

/**
 * `deflate` as servers send it: RFC 9110 means the zlib format, but some servers send raw deflate,
 * so the first byte decides (a zlib stream's first nibble is 8), as undici's fetch does.
 */
class DeflateDecoder extends Transform {
  #inner: zlib.Inflate | zlib.InflateRaw | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (!this.#inner) {
      if (chunk.length === 0) return callback();
      const inner = (chunk[0]! & 0x0f) === 0x08 ? zlib.createInflate(ZLIB_OPTIONS) : zlib.createInflateRaw(ZLIB_OPTIONS);
      inner.on('data', (data: Buffer) => {
        if (!this.push(data)) inner.pause();
      });
      inner.on('error', (error) => this.destroy(error));
      this.#inner = inner;
    }
    this.#inner.write(chunk, callback);
  }

  override _read(size: number): void {
    this.#inner?.resume();
    super._read(size);
  }

  override _flush(callback: TransformCallback): void {
    const inner = this.#inner;
    if (!inner) return callback();
    inner.once('end', () => callback());
    inner.end();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#inner?.destroy();
    callback(error);
  }
}

function decoderFor(coding: string): Transform | undefined {
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip(ZLIB_OPTIONS);
    case 'deflate':
      return new DeflateDecoder();
    case 'br':
      return zlib.createBrotliDecompress(BROTLI_OPTIONS);
    case 'zstd':
      if (!hasZstd) return undefined;
      // RFC 9659 section 3: a decoder may refuse windows above 8 MiB (2^23), as undici's does.
      return (zlib as unknown as { createZstdDecompress(o: object): Transform }).createZstdDecompress({
        params: { [(zlib.constants as unknown as Record<string, number>).ZSTD_d_windowLogMax!]: 23 },
      });
    default:
      return undefined;
  }
}

/**
 * Decodes a response body by its `Content-Encoding`, as the global `fetch` does (undici's
 * `lib/web/fetch/index.js` is the reference): codings are undone last to first; `gzip`/`x-gzip`,
 * `deflate` (zlib or raw), `br`, and `zstd` where `node:zlib` has it; any other coding (or
 * `identity`) leaves the body as it came, headers included. More than five codings is refused.
 *
 * Returns `body` itself when there is nothing to decode, or the last decoder of a pipeline whose
 * failure or destruction (a cancelled reader) destroys every stage and the body, so the response
 * is aborted and its connection released.
 *
 * @throws TypeError for more than five codings (the caller destroys the body)
 */
export function decodeBody(body: Readable, contentEncoding: string | string[] | undefined): Readable {
  if (contentEncoding === undefined) return body;
  const codings = (typeof contentEncoding === 'string' ? contentEncoding : contentEncoding.join(',')).toLowerCase().split(',');
  if (codings.length > MAX_CODINGS) {
    throw new TypeError(`too many content-encodings in response: ${codings.length}, maximum allowed is ${MAX_CODINGS}`);
  }
  const decoders: Transform[] = [];
  for (let i = codings.length - 1; i >= 0; i--) {
    const decoder = decoderFor(codings[i]!.trim());
    if (!decoder) {
      for (const d of decoders) d.destroy();
      return body;
    }
    decoders.push(decoder);
  }
  // The error reaches the reader through the last stage; the callback only keeps it from being unhandled.
  return (pipeline as (...streams: unknown[]) => Readable)(body, ...decoders, () => {});
}
