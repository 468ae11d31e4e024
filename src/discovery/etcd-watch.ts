import type { Etcd3, IKeyValue, Watcher } from 'etcd3';
import type { Clock, TimerHandle } from '../core/clock.js';
import { DiscoveryError } from '../core/errors.js';

/** What a watch tells its user. */
export interface EtcdWatchHooks {
  /** Every key in the range at one revision: the first list, and the list after each reconnect. */
  snapshot(kvs: readonly IKeyValue[], revision: bigint): void;
  /** A key was written after the last snapshot. */
  put(kv: IKeyValue): void;
  /** A key was deleted after the last snapshot. */
  delete(kv: IKeyValue): void;
  /** The watch stream broke (once per outage); `etcd3` reconnects it, and a new snapshot follows. */
  disconnected(error: unknown): void;
}

/** What the watch runs on: the owner's clock, its close signal, and a bound on calls that can hang. */
export interface EtcdWatchContext {
  readonly clock: Clock;
  readonly signal: AbortSignal;
  within<T>(what: string, timeoutMs: number, task: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

/**
 * One etcd watch session over a key or a prefix: a list (a snapshot at a revision), then a watch
 * from the next revision. `etcd3` resumes a broken watch stream from its last revision; after it
 * reconnects the range is listed again and events at or below that list's revision are skipped,
 * so nothing missed while away stays missed. Settles when `ctx.signal` aborts (resolves) or the
 * watch fails (rejects): etcd cancels a watch whose start revision was compacted, and `create()`
 * can hang while etcd is down, so connecting is bounded by `timeoutMs`.
 */
export function watchEtcd(client: Etcd3, range: { prefix: string } | { key: string }, timeoutMs: number, name: string, ctx: EtcdWatchContext, hooks: EtcdWatchHooks): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let watcher: Watcher | undefined;
    let connectTimer: TimerHandle | undefined;
    let floor = 0n;
    let reconnecting = false;
    let done = false;
    const end = (error?: unknown): void => {
      if (done) return;
      done = true;
      ctx.signal.removeEventListener('abort', onAbort);
      if (connectTimer !== undefined) ctx.clock.clearTimeout(connectTimer);
      void watcher?.cancel().catch(() => {});
      if (error === undefined) resolve();
      else reject(error);
    };
    const onAbort = (): void => end();
    ctx.signal.addEventListener('abort', onAbort, { once: true });

    const list = async (): Promise<bigint> => {
      const res = await ctx.within('list', timeoutMs, () => ('prefix' in range ? client.getAll().prefix(range.prefix).exec() : client.get(range.key).exec()));
      if (done) return floor;
      floor = BigInt(res.header.revision);
      hooks.snapshot(res.kvs, floor);
      return floor;
    };

    list().then((revision) => {
      if (done) return;
      const builder = client.watch();
      watcher = ('prefix' in range ? builder.prefix(range.prefix) : builder.key(range.key)).startRevision(String(revision + 1n)).watcher();
      connectTimer = ctx.clock.setTimeout(() => end(new DiscoveryError(name, `watch did not connect within ${timeoutMs} ms`)), timeoutMs);
      watcher.on('connected', () => {
        if (connectTimer !== undefined) ctx.clock.clearTimeout(connectTimer);
        connectTimer = undefined;
        if (!reconnecting) return;
        reconnecting = false;
        list().catch(end);
      });
      watcher.on('disconnected', (error: unknown) => {
        // etcd3 retries the stream until it connects: report the outage once, not every try.
        if (!reconnecting) hooks.disconnected(error);
        reconnecting = true;
      });
      watcher.on('put', (kv: IKeyValue) => {
        if (BigInt(kv.mod_revision) > floor) hooks.put(kv);
      });
      watcher.on('delete', (kv: IKeyValue) => {
        if (BigInt(kv.mod_revision) > floor) hooks.delete(kv);
      });
      watcher.on('error', (error: unknown) => end(error));
      watcher.on('end', () => end(new DiscoveryError(name, 'the watch ended')));
    }, end);
  });
}
