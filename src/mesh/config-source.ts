/**
 * Where a mesh's configuration comes from: a plain object, a watched file, an etcd key, a Consul
 * KV key. A source delivers whole configs, unvalidated; the mesh validates each one as a whole,
 * compiles it into a new generation and swaps it in, or rejects it and keeps the generation it has.
 */

/** Receives a config source's deliveries. */
export interface ConfigListener {
  /**
   * A whole config, parsed from its text but not yet validated. `version` names it as the source
   * knows it (an etcd mod revision, a Consul `ModifyIndex`, a file's content hash); the mesh
   * reports it in `config-applied` and `mesh.config()`.
   */
  update(config: unknown, version?: string): void;
  /**
   * The source could not read or parse a config (registry down, malformed text). The mesh keeps
   * its active generation and emits `config-rejected` with the error.
   */
  error(error: unknown): void;
}

/** A source of whole mesh configurations. */
export interface ConfigSource {
  /** Starts delivering configs to `listener` (the current one first, when known); returns a function that stops it. */
  subscribe(listener: ConfigListener): () => void;
  /** Resolves once the first config (or the first error) has been delivered. */
  ready(): Promise<void>;
  /** Stops watches and timers; the source delivers nothing afterwards. */
  close(): Promise<void>;
}
