/**
 * What the core tells the state about one request for `cache-aware` routing, computed once per client
 * request from its raw bytes (core/request-affinity.ts). It travels in every AcquireRequest, across a
 * Durable Object RPC on Workers, so it is a few small integers and nothing of the body itself.
 */
export interface Affinity {
  /** 30-bit hash of the session id (the configured header, or the body's `user`); null: none given. */
  readonly session: number | null;
  /**
   * The prompt's chained block hashes (core/prefix-chain.ts), first block first; empty when a session
   * decides (no hashing needed) or the prompt is shorter than one block.
   */
  readonly blocks: readonly number[];
}
