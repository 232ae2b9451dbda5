/** A 32-hex-digit id (trace-id sized) for requests that arrive without X-Request-Id. */
export function createRequestId(): string {
  // Web Crypto exists on both runtimes and is far cheaper than 32 Math.random() draws.
  return crypto.randomUUID().replaceAll('-', '');
}

/** Accept a client-supplied id only when it is short and printable, so it cannot inject into logs. */
export function acceptRequestId(value: string | undefined): string | undefined {
  return value !== undefined && value.length <= 128 && /^[\w.:-]+$/.test(value) ? value : undefined;
}
