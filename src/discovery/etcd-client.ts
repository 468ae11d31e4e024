import type { Etcd3 } from 'etcd3';
import { ConfigError } from '../core/errors.js';

/** The etcd client of a provider: the caller's, or one made from `hosts` and closed with the provider. */
export interface EtcdClientRef {
  /** The client (made on first use when the caller gave `hosts`). */
  get(): Promise<Etcd3>;
  /** Closes the client if this ref made it. */
  close(): void;
}

/**
 * Validates `client` / `hosts` and returns a ref. With `hosts`, `etcd3` (an optional peer
 * dependency of `switchyard/etcd`) is imported on first use, so neither the core nor a CJS user
 * who never calls it loads it.
 */
export function etcdClientRef(client: unknown, hosts: unknown): EtcdClientRef {
  if (client !== undefined && hosts !== undefined) throw new ConfigError('hosts', hosts, 'either client or hosts, not both');
  if (client !== undefined) {
    if (client === null || typeof (client as Etcd3).watch !== 'function' || typeof (client as Etcd3).getAll !== 'function') {
      throw new ConfigError('client', client, 'an Etcd3 client (new Etcd3({ hosts }) from the "etcd3" package)');
    }
    return { get: () => Promise.resolve(client as Etcd3), close: () => {} };
  }
  const list = typeof hosts === 'string' ? [hosts] : hosts;
  if (!Array.isArray(list) || list.length === 0 || !list.every((h) => typeof h === 'string' && h !== '')) {
    throw new ConfigError('hosts', hosts, 'an etcd URL or a non-empty list of them, e.g. "http://127.0.0.1:2379" (or give client)');
  }
  let made: Promise<Etcd3> | undefined;
  let closed = false;
  return {
    get() {
      made ??= (async () => {
        let mod: typeof import('etcd3');
        try {
          mod = await import('etcd3');
        } catch {
          throw new ConfigError('switchyard/etcd', 'etcd3', 'the optional peer dependency "etcd3" installed (npm install etcd3)');
        }
        const etcd = new mod.Etcd3({ hosts: list as string[] });
        if (closed) etcd.close();
        return etcd;
      })();
      return made;
    },
    close() {
      closed = true;
      void made?.then((etcd) => etcd.close(), () => {});
    },
  };
}
