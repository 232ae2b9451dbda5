// Number and time formatting shared by both pages.

const intFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function int(value) {
  return typeof value === 'number' && Number.isFinite(value) ? intFormat.format(value) : '—';
}

/** 1234 → 1.2k, 5_600_000 → 5.6M (full value belongs in a title). */
export function compact(value) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  const units = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [size, suffix] of units) {
    if (abs >= size) {
      const scaled = value / size;
      return `${scaled.toFixed(Math.abs(scaled) >= 100 ? 0 : 1).replace(/\.0$/, '')}${suffix}`;
    }
  }
  return Number.isInteger(value) ? String(value) : value.toFixed(abs >= 10 ? 0 : 1);
}

export function percent(value, digits = 1) {
  return typeof value === 'number' && Number.isFinite(value) ? `${value.toFixed(digits)}%` : '—';
}

/** 93784 s → "1d 2h", 3723 → "1h 2m", 75 → "1m 15s". */
export function duration(totalSeconds) {
  if (typeof totalSeconds !== 'number' || !Number.isFinite(totalSeconds)) return '—';
  const s = Math.max(0, Math.floor(totalSeconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${sec}s`;
  return `${sec}s`;
}

const pad = (n) => String(n).padStart(2, '0');

/** Local wall-clock HH:MM:SS. */
export function clock(date) {
  const d = date instanceof Date ? date : new Date(date);
  if (Number.isNaN(d.getTime())) return '—';
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** "just now", "12s ago", "5m ago", "3h ago", "2d ago". */
export function ago(iso, now = Date.now()) {
  const t = typeof iso === 'number' ? iso : Date.parse(iso);
  if (!Number.isFinite(t)) return '—';
  const s = Math.round((now - t) / 1000);
  if (s < 2) return 'just now';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

/** Milliseconds: 8 ms, 850 ms, 1.25 s, 12.3 s, 4.1 min. */
export function ms(value) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '—';
  if (value < 1000) return `${Math.round(value)} ms`;
  if (value < 10_000) return `${(value / 1000).toFixed(2)} s`;
  if (value < 60_000) return `${(value / 1000).toFixed(1)} s`;
  return `${(value / 60_000).toFixed(1)} min`;
}
