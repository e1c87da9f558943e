// Line plots drawn as inline SVG: axes with ticks, one polyline per series, every point with its exact value as a
// tooltip, and a text alternative (the figure's label plus an optional data table).
import { svg, h, num } from './dom.js';

const W = 560, H = 280, M = { left: 64, right: 16, top: 16, bottom: 44 };

function ticks(min, max, count = 5) {
  if (min === max) return [min];
  return Array.from({ length: count + 1 }, (_, i) => min + (max - min) * i / count);
}

/**
 * series: [{ name, points: [[x, y], ...], kind }] (kind picks the line style: solid or dashed, told apart by more than
 * colour). Returns a figure with the SVG and a legend.
 */
export function linePlot({ title, xLabel, yLabel, series, digits = 3 }) {
  const all = series.flatMap(s => s.points);
  const xs = all.map(p => p[0]), ys = all.map(p => p[1]).filter(Number.isFinite);
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (x0 === x1) { x0 -= 1; x1 += 1; }
  if (y0 === y1) { y0 -= 1; y1 += 1; }
  const sx = x => M.left + (x - x0) / (x1 - x0) * (W - M.left - M.right);
  const sy = y => H - M.bottom - (y - y0) / (y1 - y0) * (H - M.top - M.bottom);

  const plot = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'plot', role: 'img', 'aria-label': title });
  plot.append(svg('title', {}, title));
  const axes = svg('g', { class: 'axes' },
    svg('line', { x1: M.left, y1: H - M.bottom, x2: W - M.right, y2: H - M.bottom }),
    svg('line', { x1: M.left, y1: M.top, x2: M.left, y2: H - M.bottom }));
  for (const t of ticks(x0, x1)) {
    axes.append(svg('line', { x1: sx(t), x2: sx(t), y1: H - M.bottom, y2: H - M.bottom + 4 }),
      svg('text', { x: sx(t), y: H - M.bottom + 16, 'text-anchor': 'middle' }, num(t, 2)));
  }
  for (const t of ticks(y0, y1)) {
    axes.append(svg('line', { x1: M.left - 4, x2: M.left, y1: sy(t), y2: sy(t) }),
      svg('text', { x: M.left - 6, y: sy(t) + 4, 'text-anchor': 'end' }, num(t, 2)));
  }
  axes.append(svg('text', { x: (M.left + W - M.right) / 2, y: H - 6, 'text-anchor': 'middle' }, xLabel),
    svg('text', { x: 14, y: (M.top + H - M.bottom) / 2, 'text-anchor': 'middle', transform: `rotate(-90 14 ${(M.top + H - M.bottom) / 2})` }, yLabel));
  plot.append(axes);

  series.forEach((s, i) => {
    const kind = s.kind ?? `series-${i}`;
    const finite = s.points.filter(p => Number.isFinite(p[1]));
    const g = svg('g', { class: `series ${kind}`, 'data-series': s.name });
    g.append(svg('polyline', { points: finite.map(([x, y]) => `${sx(x)},${sy(y)}`).join(' '), fill: 'none' }));
    for (const [x, y] of finite)
      g.append(svg('circle', { cx: sx(x), cy: sy(y), r: 3 }, svg('title', {}, `${s.name}: ${xLabel} ${num(x, digits)}, ${yLabel} ${num(y, digits)}`)));
    plot.append(g);
  });

  const key = h('ul', { class: 'plot-key' }, series.map((s, i) => h('li', { class: `series ${s.kind ?? `series-${i}`}` },
    h('span', { class: 'plot-swatch', 'aria-hidden': 'true' }), s.name)));
  return h('figure', { class: 'plot-figure' }, plot, key, h('figcaption', {}, title));
}
