import { Readable } from 'node:stream';
import type { RequestBody } from '../core/call.js';
import type { HeaderMap } from '../core/call.js';

/**
 * Largest request body (bytes) of known length that is read into memory, so that retries and
 * hedges can send it again as they do a string body given to `client.fetch`. A larger body, or
 * one of unknown length, is streamed and sent once (a stream cannot be replayed).
 */
export const REPLAYABLE_BODY_LIMIT = 1024 * 1024;

/** What a dispatcher's caller may give as a body: undici's types plus the async iterables the global `fetch` passes. */
export type DispatchBody = string | Uint8Array | NodeJS.ReadableStream | AsyncIterable<Uint8Array> | Iterable<Uint8Array> | null | undefined;

/**
 * The request body of a dispatched request as the pipeline takes it: strings and bytes as they
 * are; a stream or iterable of known length up to {@link REPLAYABLE_BODY_LIMIT} read into bytes;
 * any other stream or iterable as a Node stream.
 */
export function pipelineBody(body: DispatchBody, headers: HeaderMap): RequestBody | Promise<RequestBody> {
  if (body === null || body === undefined) return null;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  return streamBody(body, headers);
}

async function streamBody(body: NodeJS.ReadableStream | AsyncIterable<Uint8Array> | Iterable<Uint8Array>, headers: HeaderMap): Promise<RequestBody> {
  const stream = typeof (body as NodeJS.ReadableStream).pipe === 'function' ? (body as NodeJS.ReadableStream) : Readable.from(body as AsyncIterable<Uint8Array>, { objectMode: false });
  const length = Number(headers['content-length']);
  if (!Number.isInteger(length) || length > REPLAYABLE_BODY_LIMIT) return stream;
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream as AsyncIterable<Uint8Array | string>) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}
