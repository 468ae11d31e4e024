import { EventEmitter } from 'node:events';
import { ConfigError } from '../core/errors.js';
import { readOptions } from '../core/options.js';

/**
 * The part of a `consul` (npm, 2.x) client switchyard calls. A `new Consul(...)` satisfies it;
 * so does any object with these methods, which keeps the `consul` package's types out of ours.
 */
export interface ConsulClient {
  health: { service(options: object): Promise<unknown> };
  agent: {
    service: { register(options: object): Promise<unknown>; deregister(options: object): Promise<unknown> };
    check: { pass(options: object): Promise<unknown> };
  };
  kv: { get(options: object): Promise<unknown> };
}

/** Where to reach a Consul agent when switchyard makes the client itself. */
export interface ConsulConnection {
  /** Agent host (default `127.0.0.1`, the local agent). */
  host?: string;
  /** Agent HTTP port (default 8500). */
  port?: number;
  /** Use HTTPS (default false). */
  secure?: boolean;
  /** ACL token sent with every request (`X-Consul-Token`). */
  token?: string;
}

/** A client to use, and whether switchyard made it (and so must destroy it). */
export interface ConsulHandle {
  readonly client: ConsulClient;
  release(): void;
}

/**
 * Reads the `client` / `consul` pair of options: a client the user made (kept open), or a
 * connection switchyard opens with the `consul` package, imported on first use so that the
 * package stays an optional peer dependency.
 * @returns a function that gives the handle, importing `consul` the first time it is needed
 */
export function consulClientOption(client: unknown, connection: unknown): () => Promise<ConsulHandle> {
  if (client !== undefined && connection !== undefined) throw new ConfigError('consul', connection, 'either client or consul, not both');
  if (client !== undefined) {
    const c = client as Partial<ConsulClient> | null;
    if (typeof c?.health?.service !== 'function' || typeof c.agent?.service?.register !== 'function' || typeof c.kv?.get !== 'function') {
      throw new ConfigError('client', client, 'a consul client (new Consul(...) from the consul package)');
    }
    const handle: ConsulHandle = { client: client as ConsulClient, release: () => {} };
    return () => Promise.resolve(handle);
  }
  const o = readOptions(connection ?? {}, 'consul', ['host', 'port', 'secure', 'token'] as const);
  if (o.host !== undefined && (typeof o.host !== 'string' || o.host === '')) throw new ConfigError('consul.host', o.host, 'a host name or address');
  if (o.port !== undefined && (!Number.isInteger(o.port) || (o.port as number) < 1 || (o.port as number) > 65_535)) throw new ConfigError('consul.port', o.port, 'a port between 1 and 65535');
  if (o.secure !== undefined && typeof o.secure !== 'boolean') throw new ConfigError('consul.secure', o.secure, 'true or false');
  if (o.token !== undefined && typeof o.token !== 'string') throw new ConfigError('consul.token', o.token, 'an ACL token string');
  return async () => {
    let Consul: typeof import('consul');
    try {
      ({ default: Consul } = await import('consul'));
    } catch {
      throw new ConfigError('switchyard/consul', 'consul', 'the optional peer dependency "consul" installed (npm install consul)');
    }
    const made = new Consul({ host: o.host as string | undefined, port: o.port as number | undefined, secure: o.secure as boolean | undefined, ...(o.token ? { defaults: { token: o.token as string } } : {}) });
    return { client: made, release: () => (made as unknown as { destroy(): void }).destroy() };
  };
}

/** What a consul call made with {@link consulCall} resolves to: the HTTP response and the decoded body. */
export type ConsulReply<T> = [response: { statusCode: number; headers: Record<string, string | string[] | undefined> }, body: T];

/**
 * Calls a `consul` client method with a request context that returns the HTTP response beside
 * the body (a blocking query needs its `X-Consul-Index` header) and that `signal` cancels.
 */
export function consulCall<T>(method: (options: object) => Promise<unknown>, options: object, signal: AbortSignal): Promise<ConsulReply<T>> {
  const ctx = Object.assign(new EventEmitter(), { includeResponse: true });
  if (signal.aborted) return Promise.reject(signal.reason);
  const cancel = (): void => void ctx.emit('cancel');
  signal.addEventListener('abort', cancel, { once: true });
  return (method({ ...options, ctx }) as Promise<ConsulReply<T>>).finally(() => signal.removeEventListener('abort', cancel));
}
