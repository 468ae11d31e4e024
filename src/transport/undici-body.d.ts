// undici's response body class, which its own `request()` returns, is not in its public exports;
// the transport builds it for its dispatch handler (see docs/decisions.md, "Transport").
declare module 'undici/lib/api/readable.js' {
  import type { Dispatcher } from 'undici';

  /** Options of undici's `BodyReadable` constructor (lib/api/readable.js). */
  export interface BodyReadableOptions {
    /** Called when the consumer wants more data (resume the paused socket). */
    resume: () => void;
    /** Called when the stream is destroyed before its end: aborts the request. */
    abort: (reason?: Error) => void;
    /** The response's content type (`blob()` uses it). */
    contentType?: string | undefined;
    /** The response's content length in bytes, or null when unknown. */
    contentLength?: number | null | undefined;
    /** Bytes buffered before the socket is paused (default 64 KiB). */
    highWaterMark?: number;
  }

  /** undici's response body: a Readable with the fetch body mixin. */
  export const Readable: new (options: BodyReadableOptions) => Dispatcher.ResponseData['body'];
}
