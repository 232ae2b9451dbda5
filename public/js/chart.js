// A small dependency-free line chart on <canvas>: time x-axis, nice y ticks, DOM legend (click to hide a
// series), hover crosshair with a tooltip, device-pixel-ratio aware and resized with its container.
// Series names only ever reach the DOM through textContent (legend, tooltip) or canvas text.

import { h, reconcile, setClass, setText, setTitle } from './dom.js';
import { clock, compact } from './format.js';

export const PALETTE = [
  '#4cb4f5',
  '#f2a33a',
  '#3fb950',
  '#e5534b',
  '#a371f7',
  '#2dd4bf',
  '#f778ba',
  '#c9b83e',
  '#6e9cf7',
  '#ff8f6b',
  '#8ddb8c',
  '#b392f0',
];

const assigned = new Map();

/** A stable colour per series key for the life of the page (new keys take the next palette entry). */
export function colorFor(key) {
  let color = assigned.get(key);
  if (!color) {
    color = PALETTE[assigned.size % PALETTE.length];
    assigned.set(key, color);
  }
  return color;
}

const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];

function niceStep(raw) {
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

function formatValue(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (Math.abs(value) >= 10_000) return compact(value);
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

export class LineChart {
  /**
   * @param {HTMLElement} root empty container
   * @param {{ yLabel?: string, area?: boolean, integer?: boolean, emptyText?: string, legendValues?: boolean }} options
   */
  constructor(root, options = {}) {
    this.root = root;
    this.options = {
      area: false,
      integer: true,
      emptyText: 'Waiting for samples…',
      legendValues: true,
      ...options,
    };
    this.times = [];
    this.series = [];
    this.hidden = new Set();
    this.hover = null;
    root.classList.add('chart');
    this.canvas = h('canvas', { attrs: { role: 'img' } });
    this.empty = h('div', { class: 'chart-empty', text: this.options.emptyText });
    this.tooltip = h('div', { class: 'tooltip', hidden: true });
    this.wrap = h('div', { class: 'chart-canvas-wrap' }, this.canvas, this.empty, this.tooltip);
    this.legend = h('div', { class: 'legend' });
    root.append(this.wrap, this.legend);
    this.ctx = this.canvas.getContext('2d');

    this.resizeObserver = new ResizeObserver(() => this.draw());
    this.resizeObserver.observe(this.wrap);
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.draw());
    this.canvas.addEventListener('mousemove', (event) => this.onPointer(event));
    this.canvas.addEventListener('mouseleave', () => {
      this.hover = null;
      this.tooltip.hidden = true;
      this.draw();
    });
  }

  /**
   * @param {{ times: number[], series: { key: string, name: string, color: string, values: (number|null)[] }[] }} data
   * `times` are epoch milliseconds; each `values` array is aligned with `times` (null = no sample).
   */
  update(data) {
    this.times = data.times;
    this.series = data.series;
    if (this.hover !== null && this.hover >= this.times.length) this.hover = null;
    this.renderLegend();
    this.draw();
    if (this.hover !== null) this.renderTooltip();
  }

  color(value) {
    if (value.startsWith('--')) {
      return getComputedStyle(this.root).getPropertyValue(value).trim() || '#888';
    }
    return value;
  }

  renderLegend() {
    reconcile(
      this.legend,
      this.series,
      (s) => s.key,
      (s) => {
        const swatch = h('span', { class: 'legend-swatch' });
        const name = h('span', { class: 'legend-name' });
        const value = h('span', { class: 'legend-value' });
        const item = h('button', { type: 'button', class: 'legend-item' }, swatch, name, value);
        item.addEventListener('click', () => {
          const key = item.dataset.key;
          if (this.hidden.has(key)) this.hidden.delete(key);
          else this.hidden.add(key);
          this.renderLegend();
          this.draw();
        });
        item._ui = { swatch, name, value };
        item.dataset.key = s.key;
        return item;
      },
      (item, s) => {
        const off = this.hidden.has(s.key);
        setClass(item, off ? 'legend-item off' : 'legend-item');
        item.setAttribute('aria-pressed', String(!off));
        setTitle(item, `${s.title ?? s.name} — click to ${off ? 'show' : 'hide'}`);
        item._ui.swatch.style.background = this.color(s.color);
        setText(item._ui.name, s.name);
        const latest = lastValue(s.values);
        setText(item._ui.value, this.options.legendValues ? formatValue(latest) : '');
      },
    );
  }

  /** Geometry shared by draw() and the pointer handler. */
  layout() {
    const width = this.wrap.clientWidth;
    const height = this.wrap.clientHeight;
    const visible = this.series.filter((s) => !this.hidden.has(s.key));
    let max = 0;
    for (const s of visible) for (const v of s.values) if (v !== null && v > max) max = v;
    const step = this.options.integer ? Math.max(1, niceStep(max / 4)) : niceStep(max / 4 || 0.25);
    const yMax = Math.max(step, Math.ceil(max / step) * step);
    const ticks = [];
    for (let v = 0; v <= yMax + step / 2; v += step) ticks.push(v);
    this.ctx.font = `11px ${getComputedStyle(this.root).getPropertyValue('--mono') || 'monospace'}`;
    const labelWidth = Math.max(...ticks.map((t) => this.ctx.measureText(formatValue(t)).width));
    const left = Math.ceil(Math.max(28, labelWidth + 12));
    const plot = { x0: left, x1: Math.max(left + 10, width - 12), y0: 26, y1: Math.max(46, height - 24) };
    const n = this.times.length;
    const tMax = n ? this.times[n - 1] : Date.now();
    const tMin = n > 1 ? this.times[0] : tMax - 60_000;
    const x = (t) => plot.x0 + ((t - tMin) / Math.max(1, tMax - tMin)) * (plot.x1 - plot.x0);
    const y = (v) => plot.y1 - (v / yMax) * (plot.y1 - plot.y0);
    return { width, height, visible, ticks, yMax, plot, tMin, tMax, x, y };
  }

  draw() {
    const { ctx, canvas } = this;
    const dpr = window.devicePixelRatio || 1;
    const width = this.wrap.clientWidth;
    const height = this.wrap.clientHeight;
    if (width === 0 || height === 0) return;
    const pixelWidth = Math.round(width * dpr);
    const pixelHeight = Math.round(height * dpr);
    if (canvas.width !== pixelWidth || canvas.height !== pixelHeight) {
      canvas.width = pixelWidth;
      canvas.height = pixelHeight;
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);

    const n = this.times.length;
    this.empty.hidden = n > 0 && this.series.length > 0;
    this.root.dataset.points = String(n);
    const L = this.layout();
    this.root.dataset.series = String(L.visible.length);
    const style = getComputedStyle(this.root);
    const grid = style.getPropertyValue('--chart-grid').trim() || 'rgba(128,128,128,.2)';
    const axis = style.getPropertyValue('--chart-axis').trim() || 'rgba(128,128,128,.5)';
    const text = style.getPropertyValue('--chart-text').trim() || '#888';
    const { plot } = L;

    // y grid and labels
    ctx.lineWidth = 1;
    ctx.fillStyle = text;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const tick of L.ticks) {
      const py = Math.round(L.y(tick)) + 0.5;
      ctx.strokeStyle = tick === 0 ? axis : grid;
      ctx.beginPath();
      ctx.moveTo(plot.x0, py);
      ctx.lineTo(plot.x1, py);
      ctx.stroke();
      ctx.fillText(formatValue(tick), plot.x0 - 6, py);
    }
    if (this.options.yLabel) {
      ctx.textAlign = 'left';
      ctx.textBaseline = 'alphabetic';
      ctx.fillText(this.options.yLabel, 2, 11);
    }

    // x ticks (wall-clock times)
    const spanSeconds = Math.max(1, (L.tMax - L.tMin) / 1000);
    const maxLabels = Math.max(2, Math.floor((plot.x1 - plot.x0) / 90));
    const stepSeconds =
      TIME_STEPS.find((s) => spanSeconds / s <= maxLabels) ?? TIME_STEPS[TIME_STEPS.length - 1];
    const stepMs = stepSeconds * 1000;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    let labelRight = Number.NEGATIVE_INFINITY;
    for (let t = Math.ceil(L.tMin / stepMs) * stepMs; t <= L.tMax; t += stepMs) {
      const px = Math.round(L.x(t)) + 0.5;
      ctx.strokeStyle = grid;
      ctx.beginPath();
      ctx.moveTo(px, plot.y0);
      ctx.lineTo(px, plot.y1);
      ctx.stroke();
      ctx.strokeStyle = axis;
      ctx.beginPath();
      ctx.moveTo(px, plot.y1);
      ctx.lineTo(px, plot.y1 + 4);
      ctx.stroke();
      const label = clock(t);
      const half = ctx.measureText(label).width / 2;
      const center = Math.min(Math.max(px, plot.x0 + half), plot.x1 - half);
      if (center - half < labelRight + 8) continue;
      ctx.fillText(label, center, plot.y1 + 7);
      labelRight = center + half;
    }

    if (n === 0) return;

    // series
    ctx.save();
    ctx.beginPath();
    ctx.rect(plot.x0, plot.y0 - 2, plot.x1 - plot.x0 + 2, plot.y1 - plot.y0 + 3);
    ctx.clip();
    ctx.lineJoin = 'round';
    ctx.lineCap = 'round';
    const fill = this.options.area || L.visible.length === 1;
    for (const s of L.visible) {
      const color = this.color(s.color);
      const segments = segmentsOf(this.times, s.values, L);
      if (fill) {
        ctx.globalAlpha = L.visible.length === 1 ? 0.16 : 0.08;
        ctx.fillStyle = color;
        for (const seg of segments) {
          if (seg.length < 2) continue;
          ctx.beginPath();
          ctx.moveTo(seg[0][0], plot.y1);
          for (const [px, py] of seg) ctx.lineTo(px, py);
          ctx.lineTo(seg[seg.length - 1][0], plot.y1);
          ctx.closePath();
          ctx.fill();
        }
        ctx.globalAlpha = 1;
      }
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      ctx.lineWidth = 1.75;
      for (const seg of segments) {
        if (seg.length === 1) {
          ctx.beginPath();
          ctx.arc(seg[0][0], seg[0][1], 2.5, 0, Math.PI * 2);
          ctx.fill();
          continue;
        }
        ctx.beginPath();
        ctx.moveTo(seg[0][0], seg[0][1]);
        for (let i = 1; i < seg.length; i++) ctx.lineTo(seg[i][0], seg[i][1]);
        ctx.stroke();
      }
    }
    ctx.restore();

    // hover crosshair
    if (this.hover !== null && this.hover < n) {
      const px = Math.round(L.x(this.times[this.hover])) + 0.5;
      ctx.strokeStyle = axis;
      ctx.setLineDash([3, 3]);
      ctx.beginPath();
      ctx.moveTo(px, plot.y0);
      ctx.lineTo(px, plot.y1);
      ctx.stroke();
      ctx.setLineDash([]);
      for (const s of L.visible) {
        const v = s.values[this.hover];
        if (v === null || v === undefined) continue;
        ctx.fillStyle = this.color(s.color);
        ctx.beginPath();
        ctx.arc(px, L.y(v), 3.5, 0, Math.PI * 2);
        ctx.fill();
      }
    }
  }

  onPointer(event) {
    const n = this.times.length;
    if (n === 0) return;
    const rect = this.canvas.getBoundingClientRect();
    const L = this.layout();
    const px = event.clientX - rect.left;
    if (px < L.plot.x0 - 8 || px > L.plot.x1 + 8) {
      this.hover = null;
      this.tooltip.hidden = true;
      this.draw();
      return;
    }
    const t = L.tMin + ((px - L.plot.x0) / (L.plot.x1 - L.plot.x0)) * (L.tMax - L.tMin);
    let best = 0;
    for (let i = 1; i < n; i++) if (Math.abs(this.times[i] - t) < Math.abs(this.times[best] - t)) best = i;
    this.hover = best;
    this.pointerX = px;
    this.draw();
    this.renderTooltip();
  }

  renderTooltip() {
    const i = this.hover;
    if (i === null) return;
    const rows = this.series
      .filter((s) => !this.hidden.has(s.key))
      .map((s) => ({ s, v: s.values[i] }))
      .filter((r) => r.v !== null && r.v !== undefined)
      .sort((a, b) => b.v - a.v);
    const shown = rows.slice(0, 12);
    const more = rows.length - shown.length;
    this.tooltip.replaceChildren(
      h('div', { class: 'tooltip-time', text: clock(this.times[i]) }),
      ...shown.map(({ s, v }) => {
        const swatch = h('span', { class: 'legend-swatch' });
        swatch.style.background = this.color(s.color);
        return h(
          'div',
          { class: 'tooltip-row' },
          swatch,
          h('span', { class: 'legend-name', text: s.name }),
          h('span', { class: 'legend-value', text: formatValue(v) }),
        );
      }),
    );
    if (more > 0) this.tooltip.append(h('div', { class: 'muted', text: `+${more} more` }));
    this.tooltip.hidden = false;
    const width = this.wrap.clientWidth;
    const tipWidth = this.tooltip.offsetWidth;
    const x = this.pointerX ?? 0;
    const left = x + 14 + tipWidth > width ? Math.max(0, x - 14 - tipWidth) : x + 14;
    this.tooltip.style.left = `${left}px`;
    this.tooltip.style.top = '8px';
  }
}

function lastValue(values) {
  for (let i = values.length - 1; i >= 0; i--)
    if (values[i] !== null && values[i] !== undefined) return values[i];
  return null;
}

/** Split a series into drawable runs of points; a null value breaks the line. */
function segmentsOf(times, values, L) {
  const segments = [];
  let current = [];
  for (let i = 0; i < times.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || !Number.isFinite(v)) {
      if (current.length) segments.push(current);
      current = [];
      continue;
    }
    current.push([L.x(times[i]), L.y(v)]);
  }
  if (current.length) segments.push(current);
  return segments;
}
