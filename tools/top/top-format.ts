/** Value formats shared by the tables: short, fixed units, "—" for no value. */

export const NONE = '—';

export function int(value: number | null): string {
  return value === null || !Number.isFinite(value) ? NONE : String(Math.round(value));
}

/** 950 → 950, 12_345 → 12.3k, 2_500_000 → 2.5M. */
export function compact(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return NONE;
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  return abs >= 100 || Number.isInteger(value) ? String(Math.round(value)) : value.toFixed(1);
}

/** Milliseconds as 8ms, 850ms, 1.25s, 12.3s, 4m05s. */
export function ms(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return NONE;
  if (value < 1000) return `${Math.round(value)}ms`;
  if (value < 10_000) return `${(value / 1000).toFixed(2)}s`;
  if (value < 60_000) return `${(value / 1000).toFixed(1)}s`;
  const minutes = Math.floor(value / 60_000);
  return `${minutes}m${String(Math.round((value % 60_000) / 1000)).padStart(2, '0')}s`;
}

/** 93784 → 1d 2h 3m, 3723 → 1h 2m 3s, 75 → 1m 15s. */
export function uptime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h ${m}m`;
  if (h > 0) return `${h}h ${m}m ${s % 60}s`;
  return `${m}m ${s % 60}s`;
}

/** Local HH:MM:SS of an ISO time, or "—". */
export function clock(iso: string | null | Date): string {
  const date = iso instanceof Date ? iso : new Date(iso ?? Number.NaN);
  if (Number.isNaN(date.getTime())) return NONE;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
