import type { Affinity } from '../routing/affinity.ts';
import { hashBytes, prefixChain } from './prefix-chain.ts';
import { headerValue, type ProxyRequest } from './proxy-exchange.ts';
import { scanPrompt } from './scan-prompt.ts';

/** routing.cache_aware as the core reads it per request (resolved once per config). */
export interface AffinitySettings {
  readonly blockBytes: number;
  readonly maxPrefixBlocks: number;
  /** Lower-case request header naming a session (a conversation); null: none. */
  readonly sessionHeader: string | null;
  /** Whether the body's top-level `user` names a session when the header is absent. */
  readonly sessionFromUser: boolean;
}

const encoder = new TextEncoder();

/**
 * The request's session or prompt prefix, from its headers and raw body bytes (never JSON.parse): a
 * session header costs nothing more; otherwise one byte scan finds the prompt (and `user`), whose first
 * blocks are hashed. Null when there is nothing to route on: the request then goes by load alone.
 */
export function requestAffinity(request: ProxyRequest, settings: AffinitySettings): Affinity | null {
  if (settings.sessionHeader !== null) {
    const session = headerValue(request.headers, settings.sessionHeader);
    if (session !== undefined && session !== '') {
      return { session: hashBytes(encoder.encode(session)), blocks: [] };
    }
  }
  const scan = scanPrompt(request.body);
  if (settings.sessionFromUser && scan.user !== null && scan.user.end - scan.user.start > 2) {
    return { session: hashBytes(bytesOf(request.body, scan.user.start, scan.user.end)), blocks: [] };
  }
  if (scan.prompt === null) return null;
  const blocks = prefixChain(request.body, scan.prompt, settings.blockBytes, settings.maxPrefixBlocks);
  return blocks.length === 0 ? null : { session: null, blocks };
}

/** Bytes [start, end) of the body (a short value: a copy is fine). */
function bytesOf(chunks: readonly Uint8Array[], start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  let base = 0;
  for (const chunk of chunks) {
    const from = Math.max(start, base);
    const to = Math.min(end, base + chunk.length);
    if (from < to) out.set(chunk.subarray(from - base, to - base), from - start);
    base += chunk.length;
    if (base >= end) break;
  }
  return out;
}
