import type { Readable } from 'node:stream';
import { TimeoutError } from '../core/errors.js';

const PREMATURE_CLOSE = 'The response body closed before its end';

/** The part of a Node readable {@link toWebStream} reads: a reply body, or the last decoder after it. */
export type BodySource = Pick<Readable, 'on' | 'pause' | 'resume' | 'destroy' | 'destroyed' | 'errored' | 'readableHighWaterMark'>;

/**
 * What a failure of the body becomes for the reader, as the global `fetch` reports it: the
 * caller's abort reason and a switchyard deadline ({@link TimeoutError}) as they are, anything
 * else (a reset socket, a truncated or undecodable body) as `TypeError: terminated` with the
 * failure as its `cause`.
 */
export function fetchBodyError(error: unknown, signal: AbortSignal | undefined): unknown {
  if (error instanceof TimeoutError || (signal?.aborted && error === signal.reason)) return error;
  return new TypeError('terminated', { cause: error });
}

/**
 * A WHATWG `ReadableStream` over a reply body, for `client.fetch`'s `Response`. It does what
 * `Readable.toWeb()` does for a byte stream, with less set-up per response (measured in
 * docs/decisions.md): the body flows into the stream while the stream wants more (its queue
 * holds up to the body's `readableHighWaterMark` bytes) and pauses when it is full; the end closes
 * the stream, an error or a close before the end errors it (see {@link fetchBodyError}); cancelling
 * the stream destroys the body, which aborts the response so it does not hold its connection.
 *
 * Once the stream is closed, errored or cancelled nothing more reaches its controller: a body
 * being destroyed can still emit the data it had buffered, and enqueueing it would throw from an
 * event listener, an uncaught exception.
 *
 * Each chunk is copied into its own `Uint8Array`, as `Readable.toWeb()` does, so a consumer that
 * transfers a chunk's buffer cannot detach memory Node shares between buffers.
 */
export function toWebStream(body: BodySource, signal?: AbortSignal): ReadableStream<Uint8Array> {
  let settled = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        // The body may have failed between its headers and this call (a caller's abort, say).
        if (body.destroyed) {
          settled = true;
          controller.error(fetchBodyError(body.errored ?? new Error(PREMATURE_CLOSE), signal));
          return;
        }
        body.on('data', (chunk: Buffer) => {
          if (settled) return;
          controller.enqueue(new Uint8Array(chunk));
          if (controller.desiredSize! <= 0) body.pause();
        });
        body.on('end', () => {
          if (settled) return;
          settled = true;
          controller.close();
        });
        const fail = (error: unknown): void => {
          if (settled) return;
          settled = true;
          controller.error(fetchBodyError(error, signal));
        };
        body.on('error', fail);
        body.on('close', () => fail(body.errored ?? new Error(PREMATURE_CLOSE)));
      },
      pull() {
        body.resume();
      },
      cancel(reason) {
        settled = true;
        body.destroy(reason instanceof Error ? reason : undefined);
      },
    },
    { highWaterMark: body.readableHighWaterMark, size: (chunk) => chunk.byteLength },
  );
}
