/** RFC 9110 §10.2.3: delay-seconds or an HTTP-date; returns milliseconds from `wallNow` (the wall clock), or null. */
export function parseRetryAfter(value: string | undefined, wallNow: number): number | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - wallNow);
}
