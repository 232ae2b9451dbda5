import type { Random } from './random.ts';

const HEX = '0123456789abcdef';

/** A 32-hex-digit id (trace-id sized) for requests that arrive without X-Request-Id. */
export function createRequestId(random: Random): string {
  let id = '';
  for (let i = 0; i < 32; i++) id += HEX[Math.floor(random() * 16)];
  return id;
}

/** Accept a client-supplied id only when it is short and printable, so it cannot inject into logs. */
export function acceptRequestId(value: string | undefined): string | undefined {
  return value !== undefined && /^[\w.:-]{1,128}$/.test(value) ? value : undefined;
}
